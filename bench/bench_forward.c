/* Times a model's forward pass or train step: median wall time per call.
 *
 *   cc -O2 -DMODEL=fashion_mlp -I<dir> bench_forward.c fashion_mlp.o \
 *      -lpthread -ldl -lm -o bench_mlp
 *   HL_NUM_THREADS=2 ./bench_mlp forward|train BATCH ITERATIONS
 *
 * Prints "median_us <value>". Inputs are f32[batch, 28, 28] images and, to
 * train, i32[batch] labels in 0..9; the parameters are the model's seeded
 * initialization (timing does not depend on their values). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define STR2(x) #x
#define STR(x) STR2(x)
#define CAT2(a, b) a##_##b
#define CAT(a, b) CAT2(a, b)
#define FN(name) CAT(MODEL, name)
#include STR(MODEL.h)

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
  if (argc != 4 || (strcmp(argv[1], "forward") && strcmp(argv[1], "train"))) {
    fprintf(stderr, "usage: %s forward|train BATCH ITERATIONS\n", argv[0]);
    return 2;
  }
  int train = !strcmp(argv[1], "train");
  int64_t batch = atoll(argv[2]);
  int iters = atoi(argv[3]);
  FN(model) *m = NULL;
  if (FN(create)(&m, 1) != DLC_OK)
    return 1;
  float *x = malloc(sizeof(float) * batch * 784);
  float *y = malloc(sizeof(float) * batch * 10);
  int32_t *labels = malloc(sizeof(int32_t) * batch);
  for (int64_t i = 0; i < batch * 784; ++i)
    x[i] = (float)(i % 255) / 255.0f;
  for (int64_t i = 0; i < batch; ++i)
    labels[i] = (int32_t)(i % 10);
  double *t = malloc(sizeof(double) * iters);
  float loss;
  for (int i = 0; i < 3 + iters; ++i) { /* 3 warm-up calls: arena, threads */
    double t0 = now_us();
    int32_t st = train ? FN(train_step)(m, batch, x, labels, &loss)
                       : FN(forward)(m, batch, x, y);
    if (st != DLC_OK) {
      fprintf(stderr, "%s\n", FN(last_error)(m));
      return 1;
    }
    if (i >= 3)
      t[i - 3] = now_us() - t0;
  }
  qsort(t, iters, sizeof(double), cmp);
  printf("median_us %.2f\n", t[iters / 2]);
  FN(destroy)(m);
  return 0;
}
