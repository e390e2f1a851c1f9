/* train.c - trains a dlc-compiled Fashion-MNIST classifier in C.
 *
 *   dlc compile mlp.dl -o fashion_mlp.o
 *   cc -O2 train.c fashion_mlp.o -lpthread -ldl -lm -o train
 *   ./train [--epochs N] [--batch N] [--seed N] [--save checkpoint.safetensors]
 *           [--resume checkpoint.safetensors]
 *
 * Reads the 60,000 training and 10,000 test images of the Debian package
 * dataset-fashion-mnist (gzip-compressed IDX, through `gzip -dc`), scales
 * pixels to [0, 1], and for each epoch shuffles the training set, runs
 * <model>_train_step on every batch (the last one smaller) and prints the
 * mean loss, images/s, wall time and the test accuracy from
 * <model>_evaluate. While an epoch runs and stdout is a terminal, a
 * progress bar shows the running loss. Build with -DMODEL=fashion_cnn for
 * the CNN of cnn.dl.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#ifndef MODEL
#define MODEL fashion_mlp
#endif
#define STR2(x) #x
#define STR(x) STR2(x)
#define CAT2(a, b) a##_##b
#define CAT(a, b) CAT2(a, b)
#define FN(name) CAT(MODEL, name)
#include STR(MODEL.h)

#include "idx.h"
#define DATA_DIR FASHION_MNIST_DIR
#define PIXELS (28 * 28)

/* Pixels scaled to [0, 1]. */
static float *to_float(const uint8_t *pixels, size_t n) {
  float *x = malloc(sizeof(float) * n * PIXELS);
  for (size_t i = 0; i < n * PIXELS; ++i)
    x[i] = pixels[i] / 255.0f;
  return x;
}

static double now(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec + t.tv_nsec * 1e-9;
}

/* xorshift64*: a reproducible shuffle. */
static uint64_t rng_state = 88172645463325252ULL;
static uint64_t next_random(void) {
  rng_state ^= rng_state >> 12;
  rng_state ^= rng_state << 25;
  rng_state ^= rng_state >> 27;
  return rng_state * 2685821657736338717ULL;
}

static int check(int32_t status, FN(model) *m) {
  if (status != DLC_OK) {
    fprintf(stderr, "train: %s\n", FN(last_error)(m));
    exit(1);
  }
  return 0;
}

/* Loss and accuracy over a whole set, in batches of 1000. */
static void evaluate(FN(model) *m, const float *x, const int32_t *y, size_t n,
                     double *loss, double *accuracy) {
  double l = 0, a = 0;
  for (size_t start = 0; start < n; start += 1000) {
    size_t b = n - start < 1000 ? n - start : 1000;
    float bl, ba;
    check(FN(evaluate)(m, (int64_t)b, x + start * PIXELS, y + start, &bl, &ba), m);
    l += bl * b;
    a += ba * b;
  }
  *loss = l / n;
  *accuracy = a / n;
}

int main(int argc, char **argv) {
  int epochs = 5, batch = 32;
  uint64_t seed = 1;
  const char *save = NULL, *resume = NULL;
  for (int i = 1; i < argc; ++i) {
    if (!strcmp(argv[i], "--epochs") && i + 1 < argc)
      epochs = atoi(argv[++i]);
    else if (!strcmp(argv[i], "--batch") && i + 1 < argc)
      batch = atoi(argv[++i]);
    else if (!strcmp(argv[i], "--seed") && i + 1 < argc)
      seed = strtoull(argv[++i], NULL, 10);
    else if (!strcmp(argv[i], "--save") && i + 1 < argc)
      save = argv[++i];
    else if (!strcmp(argv[i], "--resume") && i + 1 < argc)
      resume = argv[++i];
    else {
      fprintf(stderr, "usage: %s [--epochs N] [--batch N] [--seed N] [--save F] [--resume F]\n",
              argv[0]);
      return 2;
    }
  }
  if (epochs < 0 || batch <= 0)
    return 2;
  size_t n_train, n_train_labels, n_test, n_test_labels;
  uint8_t *train_px = read_idx(DATA_DIR "/train-images-idx3-ubyte.gz", 3, PIXELS, &n_train);
  uint8_t *train_lb = read_idx(DATA_DIR "/train-labels-idx1-ubyte.gz", 1, 1, &n_train_labels);
  uint8_t *test_px = read_idx(DATA_DIR "/t10k-images-idx3-ubyte.gz", 3, PIXELS, &n_test);
  uint8_t *test_lb = read_idx(DATA_DIR "/t10k-labels-idx1-ubyte.gz", 1, 1, &n_test_labels);
  if (!train_px || !train_lb || !test_px || !test_lb || n_train != n_train_labels ||
      n_test != n_test_labels)
    return 1;
  float *x_train = to_float(train_px, n_train), *x_test = to_float(test_px, n_test);
  int32_t *y_train = malloc(sizeof(int32_t) * n_train), *y_test = malloc(sizeof(int32_t) * n_test);
  for (size_t i = 0; i < n_train; ++i)
    y_train[i] = train_lb[i];
  for (size_t i = 0; i < n_test; ++i)
    y_test[i] = test_lb[i];

  FN(model) *m = NULL;
  if (FN(create)(&m, seed) != DLC_OK) {
    fprintf(stderr, "train: %s\n", FN(last_error)(NULL));
    return 1;
  }
  if (resume)
    check(FN(load)(m, resume), m);
  rng_state ^= seed * 0x9E3779B97F4A7C15ULL;

  size_t *order = malloc(sizeof(size_t) * n_train);
  for (size_t i = 0; i < n_train; ++i)
    order[i] = i;
  float *xb = malloc(sizeof(float) * batch * PIXELS);
  int32_t *yb = malloc(sizeof(int32_t) * batch);
  int tty = isatty(STDOUT_FILENO);
  size_t steps = (n_train + batch - 1) / batch;
  for (int epoch = 1; epoch <= epochs; ++epoch) {
    for (size_t i = n_train - 1; i > 0; --i) { /* Fisher-Yates */
      size_t j = next_random() % (i + 1), t = order[i];
      order[i] = order[j];
      order[j] = t;
    }
    double t0 = now(), total = 0;
    for (size_t s = 0; s < steps; ++s) {
      size_t start = s * batch, b = n_train - start < (size_t)batch ? n_train - start : batch;
      for (size_t k = 0; k < b; ++k) {
        memcpy(xb + k * PIXELS, x_train + order[start + k] * PIXELS, sizeof(float) * PIXELS);
        yb[k] = y_train[order[start + k]];
      }
      float loss;
      check(FN(train_step)(m, (int64_t)b, xb, yb, &loss), m);
      total += loss * b;
      if (tty && (s % 50 == 0 || s + 1 == steps)) {
        int done = (int)(30 * (s + 1) / steps);
        printf("\repoch %d [%.*s%*s] %zu/%zu loss %.4f", epoch, done,
               "==============================", 30 - done, "", s + 1, steps,
               total / (start + b));
        fflush(stdout);
      }
    }
    double seconds = now() - t0, test_loss, test_acc;
    evaluate(m, x_test, y_test, n_test, &test_loss, &test_acc);
    printf("%sepoch %d: loss %.4f, %.0f images/s, %.1f s, test accuracy %.2f%%\n",
           tty ? "\r\033[K" : "", epoch, total / n_train, n_train / seconds, seconds,
           100 * test_acc);
    fflush(stdout);
  }
  if (save)
    check(FN(save)(m, save), m);
  FN(destroy)(m);
  free(order), free(xb), free(yb), free(x_train), free(x_test);
  free(y_train), free(y_test), free(train_px), free(train_lb), free(test_px), free(test_lb);
  return 0;
}
