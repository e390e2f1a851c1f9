/* Run-time checks of generated entry points (run-time-checks.test): token
 * ids outside the embedding table (directly and through a slice), gather
 * rows outside [-n, n), a NaN loss in train_step, a bad learning rate and
 * bool inputs. Every failed call must leave every parameter and
 * the optimizer state bit-identical. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "checks.h"

static int failures = 0;

#define EXPECT(call, want, needle)                                              \
  do {                                                                          \
    int32_t got_ = (call);                                                      \
    const char *msg_ = checks_last_error(m);                                    \
    if (got_ != (want) || (needle && !strstr(msg_, needle))) {                  \
      fprintf(stderr, "FAIL line %d: %s -> %d (want %d), message \"%s\"\n",     \
              __LINE__, #call, got_, want, msg_);                               \
      ++failures;                                                               \
    } else {                                                                    \
      printf("ok   %s: %s\n", #call, got_ ? msg_ : "DLC_OK");                   \
    }                                                                           \
  } while (0)

/* Every parameter and piece of training state, concatenated. */
static float *snapshot(checks_model *m, size_t *bytes) {
  size_t total = 0;
  for (int64_t i = 0; i < checks_num_params(); ++i)
    total += (size_t)checks_param_numel(checks_param_name(i));
  float *all = malloc(sizeof(float) * total), *p = all;
  for (int64_t i = 0; i < checks_num_params(); ++i) {
    const char *name = checks_param_name(i);
    int64_t n = checks_param_numel(name);
    if (checks_get_param(m, name, p, n) != DLC_OK)
      abort();
    p += n;
  }
  *bytes = sizeof(float) * total;
  return all;
}

static void expect_unchanged(checks_model *m, const float *before, size_t bytes,
                             const char *what) {
  size_t now_bytes;
  float *now = snapshot(m, &now_bytes);
  if (now_bytes != bytes || memcmp(now, before, bytes) != 0) {
    fprintf(stderr, "FAIL: %s changed the parameters or optimizer state\n", what);
    ++failures;
  }
  free(now);
}

int main(void) {
  checks_model *m = NULL;
  EXPECT(checks_create(&m, 3), DLC_OK, NULL);
  enum { B = 4, S = 3 };
  int32_t tokens[B * S] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 0, 1, 2};
  uint8_t flags[B] = {0, 1, 2, 255};
  float x[B * 4], y[B * 3], g[B], loss;
  int32_t t[B] = {0, 1, 2, 1};
  int32_t rows[B] = {0, 4, -5, -1}; /* numpy.take: -5 is row 0 */
  int32_t next[B * S] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 0, 1, 2};
  for (int i = 0; i < B * 4; ++i)
    x[i] = 0.25f * (float)(i % 5) - 0.5f;
  size_t bytes;
  float *before = snapshot(m, &bytes);

  /* Token ids are checked against the table, with the position named. */
  tokens[5] = 100000;
  EXPECT(checks_forward(m, B, S, tokens, flags, x, rows, next, y, g), DLC_ERROR_INVALID_ARGUMENT,
         "tokens[1, 2] = 100000 is out of range [0, 10) (dl.embedding at checks.dl:11");
  tokens[5] = 6;
  tokens[11] = -1;
  EXPECT(checks_train_step(m, B, S, tokens, flags, x, rows, next, t, &loss), DLC_ERROR_INVALID_ARGUMENT,
         "tokens[3, 2] = -1 is out of range [0, 10)");
  expect_unchanged(m, before, bytes, "train_step with a bad token");
  tokens[11] = 2;

  /* Indices that reach the table through a slice are the caller's too. */
  next[7] = 50;
  EXPECT(checks_forward(m, B, S, tokens, flags, x, rows, next, y, g), DLC_ERROR_INVALID_ARGUMENT,
         "next[2, 1] = 50 is out of range [0, 10)");
  next[7] = 8;
  /* gather takes [-n, n), as numpy.take. */
  rows[1] = 5;
  EXPECT(checks_forward(m, B, S, tokens, flags, x, rows, next, y, g), DLC_ERROR_INVALID_ARGUMENT,
         "rows[1] = 5 is out of range [-5, 5) (dl.gather at checks.dl:13");
  rows[1] = -6;
  EXPECT(checks_forward(m, B, S, tokens, flags, x, rows, next, y, g), DLC_ERROR_INVALID_ARGUMENT,
         "rows[1] = -6 is out of range [-5, 5)");
  rows[1] = 4;

  /* Any non-zero byte of a bool input is true. */
  EXPECT(checks_forward(m, B, S, tokens, flags, x, rows, next, y, g), DLC_OK, NULL);
  for (int i = 0; i < B; ++i)
    if (g[i] != (flags[i] ? 1.0f : 0.0f)) {
      fprintf(stderr, "FAIL: flags[%d] = %d read as %g\n", i, flags[i], g[i]);
      ++failures;
    }

  /* NaN propagates to the loss, and train_step then changes nothing. */
  x[6] = NAN;
  EXPECT(checks_forward(m, B, S, tokens, flags, x, rows, next, y, g), DLC_OK, NULL);
  if (!isnan(y[3])) {
    fprintf(stderr, "FAIL: relu dropped a NaN (y[3] = %g)\n", y[3]);
    ++failures;
  }
  EXPECT(checks_train_step(m, B, S, tokens, flags, x, rows, next, t, &loss), DLC_ERROR_NON_FINITE,
         "the loss is NaN");
  expect_unchanged(m, before, bytes, "train_step with a NaN loss");
  x[6] = INFINITY;
  EXPECT(checks_train_step(m, B, S, tokens, flags, x, rows, next, t, &loss), DLC_ERROR_NON_FINITE, "the loss is");
  expect_unchanged(m, before, bytes, "train_step with an infinite input");
  x[6] = 0.5f;
  EXPECT(checks_train_step(m, B, S, tokens, flags, x, rows, next, t, &loss), DLC_OK, NULL);
  size_t after_bytes;
  float *after = snapshot(m, &after_bytes);
  if (memcmp(after, before, bytes) == 0) {
    fprintf(stderr, "FAIL: a successful train_step changed nothing\n");
    ++failures;
  }

  /* The learning rate must be finite and not negative. */
  float lr[1] = {NAN};
  EXPECT(checks_set_param(m, "optimizer.learning_rate", lr, 1), DLC_ERROR_INVALID_ARGUMENT,
         "learning rate");
  lr[0] = -0.1f;
  EXPECT(checks_set_param(m, "optimizer.learning_rate", lr, 1), DLC_ERROR_INVALID_ARGUMENT,
         "learning rate");
  lr[0] = INFINITY;
  EXPECT(checks_set_param(m, "optimizer.learning_rate", lr, 1), DLC_ERROR_INVALID_ARGUMENT,
         "learning rate");
  expect_unchanged(m, after, after_bytes, "a rejected learning rate");
  lr[0] = 0.001f;
  EXPECT(checks_set_param(m, "optimizer.learning_rate", lr, 1), DLC_OK, NULL);

  /* Dims the entry points reject cannot be planned either. */
  if (checks_forward_arena_bytes(0, S) != -1 || checks_train_step_arena_bytes(-3, S) != -1 ||
      checks_forward_arena_bytes(B, INT64_C(1) << 31) != -1 ||
      checks_forward_arena_bytes(B, S) <= 0) {
    fprintf(stderr, "FAIL: arena_bytes for dims outside [1, 2^31 - 1] is not -1\n");
    ++failures;
  }
  free(before);
  free(after);
  checks_destroy(m);
  if (failures)
    return 1;
  printf("all passed\n");
  return 0;
}
