/* Two instances of one model trained at once on two threads give exactly
 * the parameters one instance gets on one thread, and nothing races
 * (threads.test builds the model's code and this program with
 * ThreadSanitizer). Uses the Fashion-MNIST MLP (examples/fashion_mnist). */
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fashion_mlp.h"

enum { BATCH = 16, STEPS = 6 };
static float images[BATCH * 784];
static int32_t labels[BATCH];

/* Every parameter and piece of training state, concatenated. */
static float *snapshot(fashion_mlp_model *m, size_t *count) {
  size_t total = 0;
  for (int64_t i = 0; i < fashion_mlp_num_params(); ++i)
    total += (size_t)fashion_mlp_param_numel(fashion_mlp_param_name(i));
  float *all = malloc(sizeof(float) * total), *p = all;
  for (int64_t i = 0; i < fashion_mlp_num_params(); ++i) {
    const char *name = fashion_mlp_param_name(i);
    int64_t n = fashion_mlp_param_numel(name);
    if (fashion_mlp_get_param(m, name, p, n) != DLC_OK)
      abort();
    p += n;
  }
  *count = total;
  return all;
}

typedef struct job {
  fashion_mlp_model *model;
  int status;
  char create_error[256];
} job;

static void *train(void *arg) {
  job *j = arg;
  float loss;
  /* A failed create's message is the thread's own. */
  fashion_mlp_create(NULL, 0);
  snprintf(j->create_error, sizeof j->create_error, "%s", fashion_mlp_last_error(NULL));
  for (int s = 0; s < STEPS && j->status == DLC_OK; ++s)
    j->status = fashion_mlp_train_step(j->model, BATCH, images, labels, &loss);
  return NULL;
}

int main(void) {
  for (int i = 0; i < BATCH * 784; ++i)
    images[i] = (float)((i * 7919) % 255) / 255.0f;
  for (int i = 0; i < BATCH; ++i)
    labels[i] = i % 10;

  job serial = {0}, a = {0}, b = {0};
  if (fashion_mlp_create(&serial.model, 5) || fashion_mlp_create(&a.model, 5) ||
      fashion_mlp_create(&b.model, 5))
    return 1;
  train(&serial);
  pthread_t ta, tb;
  pthread_create(&ta, NULL, train, &a);
  pthread_create(&tb, NULL, train, &b);
  pthread_join(ta, NULL);
  pthread_join(tb, NULL);
  if (serial.status || a.status || b.status) {
    printf("FAIL: train_step failed: %d %d %d\n", serial.status, a.status, b.status);
    return 1;
  }
  size_t n, na, nb;
  float *want = snapshot(serial.model, &n), *got_a = snapshot(a.model, &na),
        *got_b = snapshot(b.model, &nb);
  int ok = n == na && n == nb && !memcmp(want, got_a, n * 4) && !memcmp(want, got_b, n * 4);
  printf("%s: %zu values after %d steps on two threads %s one thread's\n",
         ok ? "ok" : "FAIL", n, STEPS, ok ? "identical to" : "differ from");
  if (!strstr(a.create_error, "out is NULL") || !strstr(b.create_error, "out is NULL"))
    printf("FAIL: create errors \"%s\" / \"%s\"\n", a.create_error, b.create_error);
  free(want);
  free(got_a);
  free(got_b);
  fashion_mlp_destroy(serial.model);
  fashion_mlp_destroy(a.model);
  fashion_mlp_destroy(b.model);
  return ok ? 0 : 1;
}
