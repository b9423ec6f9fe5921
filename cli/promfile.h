/* promfile.h -- apiprobe --prometheus-file (cli/promfile.c). */
#ifndef CLI_PROMFILE_H
#define CLI_PROMFILE_H

#include <stddef.h>

/* Replace PATH with TEXT atomically: a temporary file in PATH's
 * directory, mode 0644, fsync'ed, renamed over PATH. Returns 0, or -1
 * with ERR set (the temporary file is removed, PATH is untouched). */
int cli_promfile_write(const char *path, const char *text, char *err,
                       size_t errlen);

#endif
