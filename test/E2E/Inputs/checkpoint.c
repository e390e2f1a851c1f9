/* Checkpoints resume training exactly: two train steps in a row give the
 * same parameters and optimizer state as one step, save, load into a fresh
 * model (another seed), one more step. Also: weights alone (no training
 * state) load into a model that trains. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "fashion_mlp.h"

static float x[16 * 784];
static int32_t y[16];

static float *snapshot(fashion_mlp_model *m, size_t *total) {
  size_t n = 0;
  for (int64_t i = 0; i < fashion_mlp_num_params(); ++i)
    n += fashion_mlp_param_numel(fashion_mlp_param_name(i));
  float *all = malloc(n * sizeof(float)), *p = all;
  for (int64_t i = 0; i < fashion_mlp_num_params(); ++i) {
    const char *name = fashion_mlp_param_name(i);
    int64_t k = fashion_mlp_param_numel(name);
    fashion_mlp_get_param(m, name, p, k);
    p += k;
  }
  *total = n;
  return all;
}

#define CHECK(call)                                                            \
  if ((call) != DLC_OK) {                                                      \
    printf("FAIL %s: %s\n", #call, fashion_mlp_last_error(NULL));              \
    return 1;                                                                  \
  }

int main(int argc, char **argv) {
  const char *dir = argv[1];
  char ckpt[4096], weights[4096];
  snprintf(ckpt, sizeof ckpt, "%s/step1.safetensors", dir);
  for (int i = 0; i < 16 * 784; ++i)
    x[i] = (float)((i * 37) % 101) / 101.0f;
  for (int i = 0; i < 16; ++i)
    y[i] = i % 10;
  float loss;
  fashion_mlp_model *a, *b, *c;
  CHECK(fashion_mlp_create(&a, 5));
  CHECK(fashion_mlp_train_step(a, 16, x, y, &loss));
  CHECK(fashion_mlp_save(a, ckpt));
  CHECK(fashion_mlp_train_step(a, 16, x, y, &loss));
  CHECK(fashion_mlp_create(&c, 99));
  CHECK(fashion_mlp_load(c, ckpt));
  CHECK(fashion_mlp_train_step(c, 16, x, y, &loss));
  size_t na, nc;
  float *pa = snapshot(a, &na), *pc = snapshot(c, &nc);
  if (na != nc || memcmp(pa, pc, na * sizeof(float)) != 0) {
    printf("FAIL: a resumed run differs from an uninterrupted one\n");
    return 1;
  }
  printf("resume ok: %zu values identical\n", na);

  /* A PyTorch-style weights file: the 4 tensors only. */
  snprintf(weights, sizeof weights, "%s/weights.safetensors", dir);
  FILE *f = fopen(weights, "wb");
  const char *h = "{\"fc1.weight\":{\"dtype\":\"F32\",\"shape\":[128,784],\"data_offsets\":[0,401408]},"
                  "\"fc1.bias\":{\"dtype\":\"F32\",\"shape\":[128],\"data_offsets\":[401408,401920]},"
                  "\"fc2.weight\":{\"dtype\":\"F32\",\"shape\":[10,128],\"data_offsets\":[401920,407040]},"
                  "\"fc2.bias\":{\"dtype\":\"F32\",\"shape\":[10],\"data_offsets\":[407040,407080]}}";
  uint64_t len = strlen(h);
  fwrite(&len, 8, 1, f);
  fwrite(h, 1, len, f);
  float *zeros = calloc(407080 / 4, sizeof(float));
  fwrite(zeros, 1, 407080, f);
  fclose(f);
  CHECK(fashion_mlp_create(&b, 1));
  CHECK(fashion_mlp_load(b, weights));
  float step;
  CHECK(fashion_mlp_get_param(b, "optimizer.step", &step, 1));
  CHECK(fashion_mlp_train_step(b, 16, x, y, &loss));
  float lr = 0.5f;
  CHECK(fashion_mlp_set_param(b, "optimizer.learning_rate", &lr, 1));
  printf("weights-only load ok: step %g, loss %.4f\n", step, loss);
  fashion_mlp_destroy(a), fashion_mlp_destroy(b), fashion_mlp_destroy(c);
  free(pa), free(pc), free(zeros);
  return 0;
}
