/* Bad input at run time: every call with a NULL pointer, an out-of-range
 * dim or a broken weight file must return the right dlc_status with a
 * message, and leave the model's parameters as they were. Built with
 * AddressSanitizer and UBSan by runtime-errors.test.
 *
 * Uses the Fashion-MNIST MLP (examples/fashion_mnist/mlp.dl). */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fashion_mlp.h"

static int failures = 0;
static const char *dir;

#define EXPECT_STATUS(call, want, model, needle)                                \
  do {                                                                          \
    int32_t got_ = (call);                                                      \
    const char *msg_ = fashion_mlp_last_error(model);                           \
    if (got_ != (want) || (needle && !strstr(msg_, needle))) {                  \
      fprintf(stderr, "FAIL line %d: %s -> %d (want %d), message \"%s\"\n",     \
              __LINE__, #call, got_, want, msg_);                               \
      ++failures;                                                               \
    } else {                                                                    \
      printf("ok   %s: %s\n", #call, got_ ? msg_ : "DLC_OK");                   \
    }                                                                           \
  } while (0)

static const char *names[] = {"fc1.weight", "fc1.bias", "fc2.weight", "fc2.bias"};
static const int64_t sizes[] = {128 * 784, 128, 10 * 128, 10};

/* All parameters, concatenated. */
static float *snapshot(fashion_mlp_model *m) {
  float *all = malloc(sizeof(float) * (128 * 784 + 128 + 1280 + 10));
  float *p = all;
  for (int i = 0; i < 4; ++i) {
    if (fashion_mlp_get_param(m, names[i], p, sizes[i]) != DLC_OK)
      abort();
    p += sizes[i];
  }
  return all;
}

static int same(const float *a, const float *b) {
  return memcmp(a, b, sizeof(float) * (128 * 784 + 128 + 1280 + 10)) == 0;
}

/* Writes a safetensors file: 8-byte header size (or `claimed` if nonzero),
 * the header, then `data_bytes` bytes of data. */
static const char *write_file(const char *name, const char *header,
                              uint64_t claimed, size_t data_bytes) {
  static char path[4096];
  snprintf(path, sizeof path, "%s/%s", dir, name);
  FILE *f = fopen(path, "wb");
  uint64_t n = claimed ? claimed : strlen(header);
  unsigned char len[8];
  for (int i = 0; i < 8; ++i)
    len[i] = (unsigned char)(n >> (8 * i));
  fwrite(len, 1, 8, f);
  fwrite(header, 1, strlen(header), f);
  char *zeros = calloc(1, data_bytes + 1);
  fwrite(zeros, 1, data_bytes, f);
  free(zeros);
  fclose(f);
  return path;
}

#define W1 "\"fc1.weight\":{\"dtype\":\"F32\",\"shape\":[128,784],\"data_offsets\":[0,401408]}"
#define B1 "\"fc1.bias\":{\"dtype\":\"F32\",\"shape\":[128],\"data_offsets\":[401408,401920]}"
#define W2 "\"fc2.weight\":{\"dtype\":\"F32\",\"shape\":[10,128],\"data_offsets\":[401920,407040]}"
#define B2 "\"fc2.bias\":{\"dtype\":\"F32\",\"shape\":[10],\"data_offsets\":[407040,407080]}"
#define DATA 407080

int main(int argc, char **argv) {
  dir = argc > 1 ? argv[1] : ".";
  EXPECT_STATUS(fashion_mlp_create(NULL, 1), DLC_ERROR_INVALID_ARGUMENT, NULL, "NULL");
  fashion_mlp_model *m = NULL;
  EXPECT_STATUS(fashion_mlp_create(&m, 42), DLC_OK, m, NULL);
  float *before = snapshot(m);

  /* forward: NULLs and dims */
  float image[3 * 784], logits[3 * 10];
  for (int i = 0; i < 3 * 784; ++i)
    image[i] = (float)(i % 17) / 17.0f;
  EXPECT_STATUS(fashion_mlp_forward(NULL, 3, image, logits), DLC_ERROR_INVALID_ARGUMENT, NULL, "NULL");
  EXPECT_STATUS(fashion_mlp_forward(m, 3, NULL, logits), DLC_ERROR_INVALID_ARGUMENT, m, "`image` is NULL");
  EXPECT_STATUS(fashion_mlp_forward(m, 3, image, NULL), DLC_ERROR_INVALID_ARGUMENT, m, "`logits` is NULL");
  EXPECT_STATUS(fashion_mlp_forward(m, 0, image, logits), DLC_ERROR_INVALID_ARGUMENT, m, "batch = 0");
  EXPECT_STATUS(fashion_mlp_forward(m, -5, image, logits), DLC_ERROR_INVALID_ARGUMENT, m, "batch = -5");
  EXPECT_STATUS(fashion_mlp_forward(m, INT64_C(1) << 31, image, logits), DLC_ERROR_INVALID_ARGUMENT, m, "out of range");
  EXPECT_STATUS(fashion_mlp_forward(m, 3000000, image, logits), DLC_ERROR_OUT_OF_MEMORY, m, "exceed");
  if (fashion_mlp_forward_arena_bytes(3000000) != -1) {
    fprintf(stderr, "FAIL: arena_bytes(3000000) should be -1 (784*batch > 2^31)\n");
    ++failures;
  }
  EXPECT_STATUS(fashion_mlp_forward(m, 3, image, logits), DLC_OK, m, NULL);
  for (int i = 0; i < 30; ++i)
    if (!isfinite(logits[i])) {
      fprintf(stderr, "FAIL: logit %d is not finite\n", i);
      ++failures;
    }
  int32_t labels[3] = {1, 2, 11};
  float loss;
  EXPECT_STATUS(fashion_mlp_loss(m, 3, image, NULL, &loss), DLC_ERROR_INVALID_ARGUMENT, m, "`y` is NULL");
  EXPECT_STATUS(fashion_mlp_loss(m, 3, image, labels, &loss), DLC_ERROR_KERNEL, m, "label 11 is outside [0, 10 )");
  /* A failed train_step changes no parameter, though the optimizer updates
     the parameter store in place (dlc does so only after every kernel that
     can fail on the caller's data). A model of its own, so that the checks
     below see `m` untouched. */
  {
    fashion_mlp_model *t = NULL;
    EXPECT_STATUS(fashion_mlp_create(&t, 7), DLC_OK, NULL, NULL);
    float *initial = snapshot(t);
    EXPECT_STATUS(fashion_mlp_train_step(t, 3, image, labels, &loss), DLC_ERROR_KERNEL, t, "label 11 is outside [0, 10 )");
    float *now = snapshot(t);
    if (!same(initial, now)) {
      fprintf(stderr, "FAIL: a failed train_step changed the parameters\n");
      ++failures;
    }
    free(now);
    int32_t good[3] = {1, 2, 9};
    EXPECT_STATUS(fashion_mlp_train_step(t, 3, image, good, &loss), DLC_OK, t, NULL);
    now = snapshot(t);
    if (same(initial, now)) {
      fprintf(stderr, "FAIL: a train_step changed no parameter\n");
      ++failures;
    }
    free(initial);
    free(now);
    fashion_mlp_destroy(t);
  }
  labels[2] = 9;

  /* threads */
  EXPECT_STATUS(fashion_mlp_set_num_threads(-1), DLC_ERROR_INVALID_ARGUMENT, NULL, NULL);
  EXPECT_STATUS(fashion_mlp_set_num_threads(1), DLC_OK, NULL, NULL);
  EXPECT_STATUS(fashion_mlp_forward(m, 3, image, logits), DLC_OK, m, NULL);
  EXPECT_STATUS(fashion_mlp_set_num_threads(0), DLC_OK, NULL, NULL);

  /* parameters by name */
  float small[10];
  EXPECT_STATUS(fashion_mlp_get_param(m, "fc3.bias", small, 10), DLC_ERROR_INVALID_ARGUMENT, m, "no parameter named 'fc3.bias'");
  EXPECT_STATUS(fashion_mlp_get_param(m, "fc2.bias", small, 9), DLC_ERROR_INVALID_ARGUMENT, m, "has 10 elements, not 9");
  EXPECT_STATUS(fashion_mlp_get_param(m, NULL, small, 10), DLC_ERROR_INVALID_ARGUMENT, m, "`name` is NULL");
  EXPECT_STATUS(fashion_mlp_set_param(m, "fc2.bias", NULL, 10), DLC_ERROR_INVALID_ARGUMENT, m, "NULL");
  if (fashion_mlp_param_numel("fc1.weight") != 128 * 784 || fashion_mlp_param_numel("nope") != -1 ||
      /* 4 parameters + training state: step, learning rate, RNG seed, and
         Adam's m and v for each parameter */
      fashion_mlp_num_params() != 15 || fashion_mlp_param_name(15) != NULL ||
      fashion_mlp_param_numel("optimizer.fc1.weight.m") != 128 * 784) {
    fprintf(stderr, "FAIL: parameter introspection\n");
    ++failures;
  }

  /* safetensors: every broken file is rejected and changes nothing */
  EXPECT_STATUS(fashion_mlp_load(m, "/nonexistent/w.safetensors"), DLC_ERROR_IO, m, "cannot open");
  EXPECT_STATUS(fashion_mlp_load(m, NULL), DLC_ERROR_INVALID_ARGUMENT, m, "NULL");
  EXPECT_STATUS(fashion_mlp_load(NULL, "x"), DLC_ERROR_INVALID_ARGUMENT, NULL, "NULL");
  EXPECT_STATUS(fashion_mlp_load_buffer(m, "abc", 3), DLC_ERROR_FORMAT, m, "too short");
  EXPECT_STATUS(fashion_mlp_load(m, write_file("huge.st", "{}", 200000000ull, 0)), DLC_ERROR_FORMAT, m, "exceeds the 100 MB limit");
  EXPECT_STATUS(fashion_mlp_load(m, write_file("past.st", "{}", 1000, 0)), DLC_ERROR_FORMAT, m, "runs past the end");
  EXPECT_STATUS(fashion_mlp_load(m, write_file("trunc.st", "{" W1 "," B1 "," W2 "," B2 "}", 0, DATA - 100)), DLC_ERROR_FORMAT, m, "ends at byte");
  EXPECT_STATUS(fashion_mlp_load(m, write_file("name.st", "{" W1 "," B1 "," W2 ",\"fc2.bias2\":{\"dtype\":\"F32\",\"shape\":[10],\"data_offsets\":[407040,407080]}}", 0, DATA)), DLC_ERROR_MISMATCH, m, "'fc2.bias2' that the model does not");
  EXPECT_STATUS(fashion_mlp_load(m, write_file("missing.st", "{" W1 "," B1 "," W2 "}", 0, DATA)), DLC_ERROR_MISMATCH, m, "no tensor 'fc2.bias'");
  EXPECT_STATUS(fashion_mlp_load(m, write_file("dtype.st", "{" W1 "," B1 "," W2 ",\"fc2.bias\":{\"dtype\":\"F16\",\"shape\":[10],\"data_offsets\":[407040,407060]}}", 0, DATA)), DLC_ERROR_MISMATCH, m, "dtype F16");
  EXPECT_STATUS(fashion_mlp_load(m, write_file("shape.st", "{\"fc1.weight\":{\"dtype\":\"F32\",\"shape\":[784,128],\"data_offsets\":[0,401408]}," B1 "," W2 "," B2 "}", 0, DATA)), DLC_ERROR_MISMATCH, m, "shape [784,128] in the file");
  EXPECT_STATUS(fashion_mlp_load(m, write_file("overlap.st", "{" W1 ",\"fc1.bias\":{\"dtype\":\"F32\",\"shape\":[128],\"data_offsets\":[401000,401512]}," W2 "," B2 "}", 0, DATA)), DLC_ERROR_FORMAT, m, "overlap");
  EXPECT_STATUS(fashion_mlp_load(m, write_file("span.st", "{" W1 "," B1 "," W2 ",\"fc2.bias\":{\"dtype\":\"F32\",\"shape\":[10],\"data_offsets\":[407040,407044]}}", 0, DATA)), DLC_ERROR_FORMAT, m, "span 4 bytes");
  EXPECT_STATUS(fashion_mlp_load(m, write_file("offsets.st", "{" W1 "," B1 "," W2 ",\"fc2.bias\":{\"dtype\":\"F32\",\"shape\":[10],\"data_offsets\":[18446744073709551615,5]}}", 0, DATA)), DLC_ERROR_FORMAT, m, "too large");
  EXPECT_STATUS(fashion_mlp_load(m, write_file("dup.st", "{" W1 "," B1 "," W2 "," B2 "," B2 "}", 0, DATA)), DLC_ERROR_FORMAT, m, "appears twice");
  EXPECT_STATUS(fashion_mlp_load(m, write_file("json.st", "{" W1 "," B1 "," W2 "," B2, 0, DATA)), DLC_ERROR_FORMAT, m, "malformed");
  EXPECT_STATUS(fashion_mlp_load(m, write_file("trailing.st", "{" W1 "," B1 "," W2 "," B2 "}x", 0, DATA)), DLC_ERROR_FORMAT, m, "trailing");
  {
    char deep[4096] = "{\"__metadata__\":";
    for (int i = 0; i < 200; ++i)
      strcat(deep, "[");
    EXPECT_STATUS(fashion_mlp_load(m, write_file("deep.st", deep, 0, 0)), DLC_ERROR_FORMAT, m, "nested too deeply");
  }
  float *after = snapshot(m);
  if (!same(before, after)) {
    fprintf(stderr, "FAIL: a rejected load changed the parameters\n");
    ++failures;
  }
  free(after);

  /* a good file, with metadata and any key order, round trips */
  char good[4096];
  snprintf(good, sizeof good, "%s/good.safetensors", dir);
  EXPECT_STATUS(fashion_mlp_save(m, good), DLC_OK, m, NULL);
  fashion_mlp_model *m2 = NULL;
  EXPECT_STATUS(fashion_mlp_create(&m2, 7), DLC_OK, m2, NULL);
  float *fresh = snapshot(m2);
  if (same(before, fresh)) {
    fprintf(stderr, "FAIL: seeds 42 and 7 gave the same parameters\n");
    ++failures;
  }
  free(fresh);
  EXPECT_STATUS(fashion_mlp_load(m2, good), DLC_OK, m2, NULL);
  float *loaded = snapshot(m2);
  if (!same(before, loaded)) {
    fprintf(stderr, "FAIL: save + load did not round trip\n");
    ++failures;
  }
  free(loaded);
  EXPECT_STATUS(fashion_mlp_load(m2, write_file("meta.st", "{\"__metadata__\":{\"format\":\"pt\"}," B2 "," W2 "," B1 "," W1 "}", 0, DATA)), DLC_OK, m2, NULL);
  EXPECT_STATUS(fashion_mlp_loss(m2, 3, image, labels, &loss), DLC_OK, m2, NULL);

  fashion_mlp_destroy(m2);
  fashion_mlp_destroy(m);
  fashion_mlp_destroy(NULL);
  free(before);
  printf("%s\n", failures ? "FAILED" : "all passed");
  return failures ? 1 : 0;
}
