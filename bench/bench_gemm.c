/* Times bench/gemm.dl's 1024 x 1024 x 1024 fp32 matrix product against
 * OpenBLAS's cblas_sgemm, in one process.
 *
 *   dlc compile bench/gemm.dl -o gemm.o
 *   cc -O2 -I. bench/bench_gemm.c gemm.o -lpthread -ldl -lm -o bench_gemm
 *   HL_NUM_THREADS=2 OPENBLAS_NUM_THREADS=2 ./bench_gemm ROUNDS
 *
 * OpenBLAS is loaded at run time from libblas.so.3, the BLAS PyTorch calls
 * (Debian's alternatives pick OpenBLAS once libopenblas0-pthread is
 * installed; the reference BLAS has no cblas_sgemm and is refused).
 *
 * The two alternate in blocks of 5 calls, ROUNDS times, so that the drift
 * of a VM's speed over seconds hits both alike. Blocks are 0.3 s apart:
 * OpenBLAS's idle threads spin for about 0.1 s after a call, and would
 * otherwise take a core from the dlc calls that follow.
 *
 * Prints "median_us <dlc>", "openblas_median_us <OpenBLAS>" (microseconds
 * per call, medians over every call) and the largest difference of each
 * from a reference product of a few rows (so a wrong kernel cannot look
 * fast). Exits 1 if either is wrong or OpenBLAS cannot be loaded. */
#include <dlfcn.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "gemm.h"

enum { N = 1024, BLOCK = 5 };

/* CBLAS's row-major, no-transpose codes. */
enum { CblasRowMajor = 101, CblasNoTrans = 111 };
typedef void (*sgemm_fn)(int, int, int, int, int, int, float, const float *, int,
                         const float *, int, float, float *, int);

static double now_us(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec * 1e6 + t.tv_nsec / 1e3;
}

static void pause_s(double s) {
  struct timespec t = {(time_t)s, (long)((s - (time_t)s) * 1e9)};
  nanosleep(&t, NULL);
}

static int cmp(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return x < y ? -1 : x > y;
}

/* Largest |c - a @ b| over every 97th row, summed in double. */
static double max_error(const float *a, const float *b, const float *c) {
  double err = 0;
  for (int i = 0; i < N; i += 97)
    for (int j = 0; j < N; ++j) {
      double s = 0;
      for (int k = 0; k < N; ++k)
        s += (double)a[i * N + k] * b[k * N + j];
      err = fmax(err, fabs(s - c[i * N + j]));
    }
  return err;
}

int main(int argc, char **argv) {
  int rounds = argc > 1 ? atoi(argv[1]) : 6;
  if (rounds < 1)
    rounds = 1;
  void *blas = dlopen("libblas.so.3", RTLD_NOW);
  sgemm_fn sgemm = blas ? (sgemm_fn)dlsym(blas, "cblas_sgemm") : NULL;
  if (!sgemm || !dlsym(blas, "openblas_get_config")) {
    fprintf(stderr, "bench_gemm: libblas.so.3 is not OpenBLAS (install "
                    "libopenblas0-pthread)\n");
    return 1;
  }
  gemm_model *m = NULL;
  if (gemm_create(&m, 1) != DLC_OK) {
    fprintf(stderr, "bench_gemm: %s\n", gemm_last_error(NULL));
    return 1;
  }
  float *a = malloc(sizeof(float) * N * N), *b = malloc(sizeof(float) * N * N),
        *c = malloc(sizeof(float) * N * N), *ref = malloc(sizeof(float) * N * N);
  for (int i = 0; i < N * N; ++i) {
    a[i] = (float)((i * 7) % 13) / 13.0f - 0.5f;
    b[i] = (float)((i * 5) % 11) / 11.0f - 0.5f;
  }
  int calls = rounds * BLOCK;
  double *td = malloc(sizeof(double) * calls), *tb = malloc(sizeof(double) * calls);
  /* Warm-up: the first calls allocate and fault pages in. */
  for (int i = 0; i < 2; ++i) {
    if (gemm_forward(m, a, b, c) != DLC_OK) {
      fprintf(stderr, "%s\n", gemm_last_error(m));
      return 1;
    }
    sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, N, N, N, 1.0f, a, N, b, N, 0.0f,
          ref, N);
  }
  for (int r = 0; r < rounds; ++r) {
    pause_s(0.3);
    for (int i = 0; i < BLOCK; ++i) {
      double t0 = now_us();
      if (gemm_forward(m, a, b, c) != DLC_OK) {
        fprintf(stderr, "%s\n", gemm_last_error(m));
        return 1;
      }
      td[r * BLOCK + i] = now_us() - t0;
    }
    pause_s(0.3);
    for (int i = 0; i < BLOCK; ++i) {
      double t0 = now_us();
      sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, N, N, N, 1.0f, a, N, b, N,
            0.0f, ref, N);
      tb[r * BLOCK + i] = now_us() - t0;
    }
  }
  double err = max_error(a, b, c), errBlas = max_error(a, b, ref);
  qsort(td, calls, sizeof(double), cmp);
  qsort(tb, calls, sizeof(double), cmp);
  printf("median_us %.2f\nopenblas_median_us %.2f\nmax_abs_error %.3g\n"
         "openblas_max_abs_error %.3g\n",
         td[calls / 2], tb[calls / 2], err, errBlas);
  gemm_destroy(m);
  return err < 1e-2 && errBlas < 1e-2 ? 0 : 1;
}
