/* Times bench/gemm.dl's 1024 x 1024 x 1024 fp32 matrix product: median
 * wall time per call.
 *
 *   dlc compile bench/gemm.dl -o gemm.o
 *   cc -O2 -I. bench/bench_gemm.c gemm.o -lpthread -ldl -lm -o bench_gemm
 *   HL_NUM_THREADS=2 ./bench_gemm ITERATIONS
 *
 * Prints "median_us <value>" and the largest difference from a reference
 * product of a few rows (so a wrong kernel cannot look fast). */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "gemm.h"

enum { N = 1024 };

static double now_us(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec * 1e6 + t.tv_nsec / 1e3;
}

static int cmp(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return x < y ? -1 : x > y;
}

int main(int argc, char **argv) {
  int iters = argc > 1 ? atoi(argv[1]) : 10;
  gemm_model *m = NULL;
  if (gemm_create(&m, 1) != DLC_OK)
    return 1;
  float *a = malloc(sizeof(float) * N * N), *b = malloc(sizeof(float) * N * N),
        *c = malloc(sizeof(float) * N * N);
  for (int i = 0; i < N * N; ++i) {
    a[i] = (float)((i * 7) % 13) / 13.0f - 0.5f;
    b[i] = (float)((i * 5) % 11) / 11.0f - 0.5f;
  }
  double *t = malloc(sizeof(double) * iters);
  for (int i = 0; i < 2 + iters; ++i) {
    double t0 = now_us();
    if (gemm_forward(m, a, b, c) != DLC_OK) {
      fprintf(stderr, "%s\n", gemm_last_error(m));
      return 1;
    }
    if (i >= 2)
      t[i - 2] = now_us() - t0;
  }
  double err = 0;
  for (int i = 0; i < N; i += 97)
    for (int j = 0; j < N; ++j) {
      double s = 0;
      for (int k = 0; k < N; ++k)
        s += (double)a[i * N + k] * b[k * N + j];
      err = fmax(err, fabs(s - c[i * N + j]));
    }
  qsort(t, iters, sizeof(double), cmp);
  printf("median_us %.2f\nmax_abs_error %.3g\n", t[iters / 2], err);
  gemm_destroy(m);
  return err < 1e-2 ? 0 : 1;
}
