/* Reads exactly n bytes of a file into a new buffer; exits with 2 and a
 * message if it cannot (the test drivers' inputs are written by the test). */
#ifndef DLC_TEST_SLURP_H
#define DLC_TEST_SLURP_H
#include <stdio.h>
#include <stdlib.h>

static void *slurp(const char *path, size_t n) {
  FILE *f = fopen(path, "rb");
  void *p = malloc(n);
  if (!f || fread(p, 1, n, f) != n) {
    perror(path);
    exit(2);
  }
  fclose(f);
  return p;
}
#endif
