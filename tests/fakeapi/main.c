/*
 * main.c - command line of fakeapi, the TLS fake of the Anthropic API used
 * by apiprobe's integration tests: `fakeapi certs DIR` and
 * `fakeapi serve --dir DIR --portfile FILE ... SCENARIO...`.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "certs.h"
#include "scenario.h"
#include "server.h"

#define DEFAULT_KEY                                                         \
  "sk-ant-api03-fakeapi-valid-key-0000000000000000000000000000"

static void usage(FILE *f)
{
  fputs("usage: fakeapi certs DIR\n"
        "       fakeapi serve --dir DIR --portfile FILE [--key KEY]\n"
        "                     [--bind ADDR] [--log FILE] SCENARIO...\n"
        "       fakeapi --help\n"
        "\n"
        "certs  writes ca.pem/ca.key, otherca.pem/otherca.key and NAME.pem/\n"
        "       NAME.key for good expiring expiring_crit expired notyet\n"
        "       wrongname selfsigned untrusted chain into DIR.\n"
        "serve  listens on one ephemeral port of ADDR (default 127.0.0.1)\n"
        "       per SCENARIO, writes 'SCENARIO PORT' lines to FILE, and\n"
        "       serves until SIGTERM or SIGINT.  --log appends one line per\n"
        "       request (never the key).\n"
        "\n"
        "scenarios:\n",
        f);
  scenario_print_names(f);
}

/* Matches --name VALUE and --name=VALUE; returns 1 if arg is --name. */
static int opt_value(int argc, char **argv, int *i, const char *name,
                     const char **out, int *bad)
{
  const char *a = argv[*i];
  size_t n = strlen(name);

  if (strncmp(a, name, n) || (a[n] != '\0' && a[n] != '='))
    return 0;
  if (a[n] == '=') {
    *out = a + n + 1;
  } else if (*i + 1 < argc) {
    *out = argv[++*i];
  } else {
    fprintf(stderr, "fakeapi: %s needs a value\n", name);
    *bad = 1;
  }
  return 1;
}

static int parse_option(int argc, char **argv, int *i, struct serve_opts *o,
                        int *bad)
{
  return opt_value(argc, argv, i, "--dir", &o->dir, bad) ||
         opt_value(argc, argv, i, "--portfile", &o->portfile, bad) ||
         opt_value(argc, argv, i, "--key", &o->key, bad) ||
         opt_value(argc, argv, i, "--bind", &o->bind, bad) ||
         opt_value(argc, argv, i, "--log", &o->log, bad);
}

static int cmd_serve(int argc, char **argv)
{
  struct serve_opts o;
  struct scenario *scn = calloc((size_t)argc, sizeof(*scn));
  size_t nscn = 0;
  int only_scn = 0;
  int bad = 0;
  int rc = 2;
  int i;

  if (!scn)
    return 1;
  memset(&o, 0, sizeof(o));
  o.key = DEFAULT_KEY;
  o.bind = "127.0.0.1";
  for (i = 2; i < argc && !bad; i++) {
    char err[256];

    if (!only_scn && !strcmp(argv[i], "--")) {
      only_scn = 1;
    } else if (!only_scn && !strcmp(argv[i], "--help")) {
      usage(stdout);
      rc = 0;
      goto out;
    } else if (!only_scn && argv[i][0] == '-') {
      if (!parse_option(argc, argv, &i, &o, &bad)) {
        fprintf(stderr, "fakeapi: unknown option %s\n", argv[i]);
        bad = 1;
      }
    } else if (scenario_parse(argv[i], &scn[nscn], err, sizeof(err))) {
      fprintf(stderr, "fakeapi: %s\n", err);
      bad = 1;
    } else {
      nscn++;
    }
  }
  if (!bad && (!o.dir || !o.portfile || nscn == 0 || !*o.key)) {
    fputs("fakeapi serve: --dir, --portfile and at least one SCENARIO are "
          "required\n", stderr);
    bad = 1;
  }
  if (bad)
    goto out;
  o.scn = scn;
  o.nscn = nscn;
  rc = serve_run(&o);
out:
  free(scn);
  return rc;
}

int main(int argc, char **argv)
{
  if (argc >= 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
    usage(stdout);
    return 0;
  }
  if (argc == 3 && !strcmp(argv[1], "certs"))
    return certs_generate(argv[2]) ? 1 : 0;
  if (argc >= 2 && !strcmp(argv[1], "serve"))
    return cmd_serve(argc, argv);
  usage(stderr);
  return 2;
}
