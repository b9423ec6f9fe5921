/* file.h -- opening and reading the files the core reads (key file, CA
 * file, configs): never blocking on a FIFO or device, regular files only,
 * bounded in size. One place, so no reader forgets a check.
 */
#ifndef AP_FILE_H
#define AP_FILE_H

#include <stddef.h>

struct stat;

/* Open PATH read-only with O_NONBLOCK (a FIFO without a writer or a
 * device never stalls the caller), fstat it and require a regular file;
 * the returned descriptor (O_CLOEXEC) is switched back to blocking reads.
 * WHAT names the file in errors ("key file", "--ca-file"). When PST is not
 * NULL it receives the fstat. Returns the descriptor (caller closes), or
 * -1 with ERR set ("WHAT PATH: reason"). */
int ap_file_open(const char *path, const char *what, struct stat *pst,
                 char *err, size_t errlen);

/* Read all of the regular file PATH (at most MAX bytes: a bigger file is
 * refused) into a new NUL-terminated buffer *PBUF (caller frees; wipe it
 * first when it held a secret) of *PLEN bytes (PLEN may be NULL). PST as
 * for ap_file_open. Returns 0, or -1 with ERR set and *PBUF NULL. */
int ap_file_read(const char *path, const char *what, size_t max,
                 struct stat *pst, char **pbuf, size_t *plen, char *err,
                 size_t errlen);

/* Next line of the text BUF[0..LEN) from *POS (advanced past the line and
 * its LF): *PLINE points at the line, *PLINELEN its length without CR/LF.
 * Returns 1 for a line, 0 at the end. Lines are not copied or cut: a
 * caller checks *PLINELEN against its own limit and refuses a longer line
 * instead of splitting it. */
int ap_file_next_line(const char *buf, size_t len, size_t *pos,
                      const char **pline, size_t *plinelen);

#endif
