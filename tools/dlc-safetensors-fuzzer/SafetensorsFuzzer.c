/*===- SafetensorsFuzzer.c - libFuzzer target for the safetensors loader --===*
 *
 * Feeds arbitrary bytes to dlc_rt_load_buffer (runtime/dlc_safetensors.c,
 * with the rest of the runtime's .c files compiled natively next to this
 * file) for a small hand-built model.
 * A crash, a sanitizer report or an abort here is a bug. The checks:
 *   - a rejected load returns FORMAT, MISMATCH or OUT_OF_MEMORY with a
 *     message, and leaves every parameter bit-identical;
 *   - an accepted load clears the message, its header is one JSON object
 *     with no key twice by the validator's own account (dlc_json.h), and
 *     each parameter's new bytes appear in the data section.
 *
 *   clang -g -O1 -fsanitize=fuzzer,address,undefined \
 *     tools/dlc-safetensors-fuzzer/SafetensorsFuzzer.c runtime/dlc_*.c \
 *     (or: scripts/fuzz.sh)
 *   ./a.out -dict=tools/dlc-safetensors-fuzzer/safetensors.dict \
 *     tools/dlc-safetensors-fuzzer/corpus
 *
 * With -DDLC_FUZZER_STANDALONE_MAIN (no libFuzzer) it runs the files it is
 * given, which is how test/Runtime replays the corpus.
 *
 *===----------------------------------------------------------------------===*/

#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* memmem */
#endif
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../runtime/dlc_json.h"
#include "../../runtime/dlc_runtime.h"

/* The runtime calls these from the Halide runtime, absent here. */
int halide_set_num_threads(int n) { return n; }
typedef void (*halide_error_handler_t)(void *, const char *);
halide_error_handler_t halide_set_error_handler(halide_error_handler_t h) {
  (void)h;
  return 0;
}

/* Names that need escapes to write ('/' may be "\/") or are a prefix of
 * another; a scalar of training state, which a file may omit. */
static const int64_t w_dims[] = {2, 3};
static const int64_t b_dims[] = {3};
static const dlc_param_desc params[] = {
    {"enc/w", w_dims, 2, 6, 0, DLC_INIT_NORMAL, DLC_PARAM_TRAINABLE, 3, 2, 0.0,
     1.0},
    {"enc", b_dims, 1, 3, 6, DLC_INIT_CONSTANT, DLC_PARAM_TRAINABLE, 0, 0, 0.5,
     0},
    {"opt.step", NULL, 0, 1, 9, DLC_INIT_CONSTANT, DLC_PARAM_STATE, 0, 0, 7.0,
     0},
};
enum { NUM_PARAMS = 3, PARAM_ELEMS = 10 };
static const dlc_model_desc model = {"tiny", NUM_PARAMS, params, PARAM_ELEMS,
                                     0, NULL};

static dlc_state *state;
static float expected[PARAM_ELEMS];
static int32_t last_status;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (!state) {
    if (dlc_rt_create(&model, &state, 1) != DLC_RT_OK)
      abort();
    memcpy(expected, dlc_rt_params(state), sizeof expected);
  }
  int32_t st = dlc_rt_load_buffer(&model, state, data, (int64_t)size);
  last_status = st;
  const char *msg = dlc_rt_last_error(&model, state);
  const float *now = dlc_rt_params(state);
  if (st != DLC_RT_OK) {
    if (st != DLC_RT_FORMAT && st != DLC_RT_MISMATCH &&
        st != DLC_RT_OUT_OF_MEMORY) {
      fprintf(stderr, "unexpected status %d: %s\n", st, msg);
      abort();
    }
    if (strncmp(msg, "tiny_load: ", 11) != 0 || strlen(msg) < 12) {
      fprintf(stderr, "status %d without a message: \"%s\"\n", st, msg);
      abort();
    }
    if (memcmp(now, expected, sizeof expected) != 0) {
      fprintf(stderr, "a rejected load changed the parameters: %s\n", msg);
      abort();
    }
    return 0;
  }
  if (msg[0]) {
    fprintf(stderr, "a load succeeded with a message: %s\n", msg);
    abort();
  }
  uint64_t n = 0;
  for (int i = 7; i >= 0; --i)
    n = n << 8 | data[i];
  size_t hl = (size_t)n;
  while (hl > 0 && data[8 + hl - 1] == ' ')
    --hl;
  char why[200];
  if (!dlc_json_validate((const char *)data + 8, hl, DLC_JSON_UNIQUE_KEYS, why,
                         sizeof why)) {
    fprintf(stderr, "accepted a header the validator rejects: %s\n", why);
    abort();
  }
  const uint8_t *payload = data + 8 + n;
  size_t payload_size = size - 8 - (size_t)n;
  for (int i = 0; i < NUM_PARAMS; ++i) {
    const dlc_param_desc *p = &params[i];
    const void *bytes = now + p->offset;
    size_t len = (size_t)p->numel * 4;
    if (memcmp(bytes, expected + p->offset, len) != 0 &&
        !memmem(payload, payload_size, bytes, len)) {
      fprintf(stderr, "'%s' got bytes that are not in the data\n", p->name);
      abort();
    }
  }
  memcpy(expected, now, sizeof expected);
  return 0;
}

#ifdef DLC_FUZZER_STANDALONE_MAIN
int main(int argc, char **argv) {
  int ran = 0;
  for (int i = 1; i < argc; ++i) {
    FILE *f = fopen(argv[i], "rb");
    if (!f) {
      fprintf(stderr, "dlc-safetensors-fuzzer: cannot read %s\n", argv[i]);
      return 1;
    }
    size_t cap = 4096, len = 0;
    uint8_t *buf = malloc(cap);
    size_t got;
    while ((got = fread(buf + len, 1, cap - len, f)) > 0)
      if ((len += got) == cap)
        buf = realloc(buf, cap *= 2);
    fclose(f);
    /* An exact-size copy, so that ASan sees any read past the end. */
    uint8_t *exact = malloc(len ? len : 1);
    memcpy(exact, buf, len);
    free(buf);
    LLVMFuzzerTestOneInput(exact, len);
    free(exact);
    printf("%s: %d %s\n", argv[i], (int)last_status,
           dlc_rt_last_error(&model, state));
    ++ran;
  }
  printf("ran %d inputs\n", ran);
  return 0;
}
#endif
