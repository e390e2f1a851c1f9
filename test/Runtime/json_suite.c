/* Runs the runtime's JSON validator (runtime/dlc_json.h, compiled natively
 * here) over every file of nst/JSONTestSuite's test_parsing directory:
 * y_* must be accepted, n_* rejected, i_* (implementation-defined) only
 * must not crash; their outcomes are listed. Each y_/n_ file is checked
 * twice, with and without DLC_JSON_UNIQUE_KEYS (the mode the safetensors
 * loader uses), where only y_object_duplicated_key* differ.
 *
 *   json_suite DIR   -> "FAIL ..." lines, then a summary; exit 1 on a FAIL */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dlc_json.h"

static char *read_all(const char *path, size_t *len) {
  FILE *f = fopen(path, "rb");
  if (!f)
    return NULL;
  size_t cap = 4096, n = 0;
  char *buf = malloc(cap);
  for (;;) {
    if (n == cap)
      buf = realloc(buf, cap *= 2);
    size_t got = fread(buf + n, 1, cap - n, f);
    if (got == 0)
      break;
    n += got;
  }
  fclose(f);
  /* An exact-size copy, so that ASan sees any read past the end. */
  char *exact = malloc(n ? n : 1);
  memcpy(exact, buf, n);
  free(buf);
  *len = n;
  return exact;
}

int main(int argc, char **argv) {
  if (argc != 2) {
    fprintf(stderr, "usage: %s DIR\n", argv[0]);
    return 2;
  }
  struct dirent **names;
  int count = scandir(argv[1], &names, NULL, alphasort);
  if (count < 0) {
    perror(argv[1]);
    return 2;
  }
  int y = 0, y_ok = 0, n = 0, n_ok = 0, i_acc = 0, i_rej = 0, failures = 0;
  for (int k = 0; k < count; ++k) {
    const char *name = names[k]->d_name;
    char kind = name[0];
    if ((kind != 'y' && kind != 'n' && kind != 'i') || name[1] != '_') {
      free(names[k]);
      continue;
    }
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", argv[1], name);
    size_t len;
    char *buf = read_all(path, &len);
    if (!buf) {
      printf("FAIL %s: cannot read\n", name);
      ++failures;
      free(names[k]);
      continue;
    }
    char err[200] = "", err_unique[200] = "";
    int ok = dlc_json_validate(buf, len, 0, err, sizeof err);
    int ok_unique = dlc_json_validate(buf, len, DLC_JSON_UNIQUE_KEYS,
                                      err_unique, sizeof err_unique);
    int duplicated = strstr(name, "duplicated_key") != NULL;
    if (kind == 'y') {
      ++y;
      y_ok += ok;
      if (!ok) {
        printf("FAIL %s: rejected (%s)\n", name, err);
        ++failures;
      }
      if (ok_unique == duplicated) {
        printf("FAIL %s: %s with unique keys (%s)\n", name,
               ok_unique ? "accepted" : "rejected", err_unique);
        ++failures;
      }
    } else if (kind == 'n') {
      ++n;
      n_ok += !ok && !ok_unique;
      if (ok || ok_unique) {
        printf("FAIL %s: accepted\n", name);
        ++failures;
      }
    } else {
      if (ok) ++i_acc; else ++i_rej;
      printf("note %s: %s%s%s\n", name, ok ? "accepted" : "rejected (",
             ok ? "" : err, ok ? "" : ")");
    }
    free(buf);
    free(names[k]);
  }
  free(names);
  printf("y: %d accepted of %d; n: %d rejected of %d; i: %d accepted, %d "
         "rejected; %d failures\n",
         y_ok, y, n_ok, n, i_acc, i_rej, failures);
  return failures ? 1 : 0;
}
