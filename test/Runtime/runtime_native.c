/* The runtime (runtime/*.c) compiled natively with a hand-built
 * model, for what needs no compiled model: loading a directory fails with
 * DLC_RT_IO and changes nothing; two threads whose creates fail at once
 * each read their own message; a name that needs escapes saves to a file
 * that loads back. Built with ASan and UBSan by runtime-native.test.
 *
 *   runtime_native DIR */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dlc_runtime.h"

/* The runtime calls these from the Halide runtime, absent here. */
int halide_set_num_threads(int n) { return n; }
typedef void (*halide_error_handler_t)(void *, const char *);
halide_error_handler_t halide_set_error_handler(halide_error_handler_t h) {
  (void)h;
  return 0;
}

static const int64_t dims[] = {2, 2};
static const dlc_param_desc params[] = {
    {"w \"quoted\" \\ \x01", dims, 2, 4, 0, DLC_INIT_NORMAL,
     DLC_PARAM_TRAINABLE, 2, 2, 0.0, 1.0},
    {"b/\xc3\xa9", dims, 1, 2, 4, DLC_INIT_CONSTANT, DLC_PARAM_TRAINABLE, 0, 0,
     0.25, 0},
};
static const int64_t dims2[] = {2};
static const dlc_param_desc params2[] = {
    {"x", dims2, 1, 2, 0, DLC_INIT_ZEROS, DLC_PARAM_TRAINABLE, 0, 0, 0, 0},
};
static const dlc_model_desc alpha = {"alpha", 2, params, 6, 0, NULL};
static const dlc_model_desc beta = {"beta", 1, params2, 2, 0, NULL};

static int failures = 0;

#define EXPECT(cond, ...)                                                      \
  do {                                                                         \
    if (cond) {                                                                \
      printf("ok   %s\n", #cond);                                              \
    } else {                                                                   \
      printf("FAIL line %d: %s: ", __LINE__, #cond);                           \
      printf(__VA_ARGS__);                                                     \
      printf("\n");                                                            \
      ++failures;                                                              \
    }                                                                          \
  } while (0)

/* Many failing creates of one model, while another thread fails another's:
 * the message must always be this thread's. */
static void *fail_creates(void *arg) {
  const dlc_model_desc *d = (const dlc_model_desc *)arg;
  char want[64];
  snprintf(want, sizeof want, "%s_create: `out` is NULL", d->name);
  long bad = 0;
  for (int i = 0; i < 200000; ++i)
    if (dlc_rt_create(d, NULL, 1) != DLC_RT_INVALID_ARGUMENT ||
        strcmp(dlc_rt_last_error(d, NULL), want) != 0)
      ++bad;
  return (void *)bad;
}

int main(int argc, char **argv) {
  const char *dir = argc > 1 ? argv[1] : ".";
  setvbuf(stdout, NULL, _IOLBF, 0);
  dlc_state *s = NULL;
  if (dlc_rt_create(&alpha, &s, 3) != DLC_RT_OK)
    abort();
  float before[6];
  memcpy(before, dlc_rt_params(s), sizeof before);

  /* fopen opens a directory; ftell then claims LONG_MAX bytes. */
  int32_t st = dlc_rt_load(&alpha, s, dir);
  const char *msg = dlc_rt_last_error(&alpha, s);
  EXPECT(st == DLC_RT_IO && strstr(msg, "cannot read"), "%d: %s", st, msg);
  EXPECT(memcmp(before, dlc_rt_params(s), sizeof before) == 0, "changed");

  /* Names with a quote, a backslash, a control byte, '/' and UTF-8. */
  char path[4096];
  snprintf(path, sizeof path, "%s/escaped.safetensors", dir);
  st = dlc_rt_save(&alpha, s, path);
  EXPECT(st == DLC_RT_OK, "%d: %s", st, dlc_rt_last_error(&alpha, s));
  dlc_state *t = NULL;
  if (dlc_rt_create(&alpha, &t, 4) != DLC_RT_OK)
    abort();
  EXPECT(memcmp(before, dlc_rt_params(t), sizeof before) != 0, "same seed?");
  st = dlc_rt_load(&alpha, t, path);
  EXPECT(st == DLC_RT_OK, "%d: %s", st, dlc_rt_last_error(&alpha, t));
  EXPECT(memcmp(before, dlc_rt_params(t), sizeof before) == 0,
         "the round trip lost values");
  FILE *f = fopen(path, "rb");
  char head[256] = "";
  size_t got = f ? fread(head, 1, sizeof head - 1, f) : 0;
  if (f)
    fclose(f);
  head[got] = 0;
  EXPECT(got > 8 && strstr(head + 8, "\"w \\\"quoted\\\" \\\\ \\u0001\""),
         "header %s", head + 8);

  /* Two threads, two models, failing creates at once. */
  pthread_t a, b;
  void *bad_a, *bad_b;
  pthread_create(&a, NULL, fail_creates, (void *)&alpha);
  pthread_create(&b, NULL, fail_creates, (void *)&beta);
  pthread_join(a, &bad_a);
  pthread_join(b, &bad_b);
  EXPECT(!bad_a && !bad_b, "%ld and %ld of 200000 messages were another "
         "thread's", (long)bad_a, (long)bad_b);

  dlc_rt_destroy(&alpha, s);
  dlc_rt_destroy(&alpha, t);
  printf("%s\n", failures ? "FAILED" : "all passed");
  return failures ? 1 : 0;
}
