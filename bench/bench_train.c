/* Times a model's train_step: median wall time per call.
 *
 *   cc -O2 -DMODEL=fashion_mlp -I<dir> bench_train.c fashion_mlp.o \
 *      -lpthread -ldl -lm -o bench_train_mlp
 *   HL_NUM_THREADS=2 ./bench_train_mlp BATCH ITERATIONS
 *
 * Prints "median_us <value>". Images are f32[batch, 28, 28], labels
 * i32[batch] in 0..9. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
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
  if (argc != 3)
    return 2;
  int64_t batch = atoll(argv[1]);
  int iters = atoi(argv[2]);
  FN(model) *m = NULL;
  if (FN(create)(&m, 1) != DLC_OK)
    return 1;
  float *x = malloc(sizeof(float) * batch * 784);
  int32_t *y = malloc(sizeof(int32_t) * batch);
  for (int64_t i = 0; i < batch * 784; ++i)
    x[i] = (float)(i % 255) / 255.0f;
  for (int64_t i = 0; i < batch; ++i)
    y[i] = (int32_t)(i % 10);
  float loss;
  double *t = malloc(sizeof(double) * iters);
  for (int i = 0; i < 2; ++i)
    if (FN(train_step)(m, batch, x, y, &loss) != DLC_OK) {
      fprintf(stderr, "%s\n", FN(last_error)(m));
      return 1;
    }
  for (int i = 0; i < iters; ++i) {
    double t0 = now_us();
    FN(train_step)(m, batch, x, y, &loss);
    t[i] = now_us() - t0;
  }
  qsort(t, iters, sizeof(double), cmp);
  printf("median_us %.2f\n", t[iters / 2]);
  FN(destroy)(m);
  return 0;
}
