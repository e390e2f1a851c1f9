/*===- dlc_runtime.h - The runtime linked into every dlc model ------------===*
 *
 * Internal interface between the code dlc generates and the runtime library.
 * Users never include this file: they include the header `dlc compile`
 * writes, whose functions are thin wrappers over these.
 *
 * The runtime is compiled to LLVM bitcode once per target when dlc is built
 * (freestanding: it declares the few libc functions it calls in
 * dlc_libc.h): dlc_state.c (create, destroy, errors), dlc_init.c
 * (initializers), dlc_params.c (parameters by name), dlc_safetensors.c
 * (save and load, with the JSON reader dlc_json.h) and dlc_calls.c (entry
 * calls and the checks of the caller's data), joined by llvm-link, sharing
 * dlc_state.h. It is embedded in dlc and linked into each model object,
 * where all of its symbols become internal. Two models in one program therefore share
 * nothing but the Halide runtime (whose symbols are weak).
 *
 * The descriptor structs are emitted by lib/Target/Object/ModelDescriptor.cpp
 * as LLVM constants; every field is 8 bytes wide so that both sides agree on
 * the layout without padding rules. Keep the two in sync.
 *
 *===----------------------------------------------------------------------===*/

#ifndef DLC_RUNTIME_H
#define DLC_RUNTIME_H

#include <stddef.h>
#include <stdint.h>

/* Status codes; the generated header repeats them as `dlc_status`. */
enum {
  DLC_RT_OK = 0,
  DLC_RT_INVALID_ARGUMENT = 1, /* NULL pointer, dim <= 0, unknown name... */
  DLC_RT_OUT_OF_MEMORY = 2,
  DLC_RT_IO = 3,               /* a file could not be opened/read/written */
  DLC_RT_FORMAT = 4,           /* a malformed safetensors file */
  DLC_RT_MISMATCH = 5,         /* well-formed, but not this model's weights */
  DLC_RT_KERNEL = 6,           /* a kernel reported a failure */
  DLC_RT_NON_FINITE = 7        /* train_step: the loss is NaN or infinite */
};

/* Initializers, in the order of dl::Initializer (DLDialect.td). */
enum {
  DLC_INIT_ZEROS, DLC_INIT_ONES, DLC_INIT_CONSTANT, DLC_INIT_NORMAL,
  DLC_INIT_UNIFORM, DLC_INIT_TRUNCATED_NORMAL, DLC_INIT_GLOROT_UNIFORM,
  DLC_INIT_GLOROT_NORMAL, DLC_INIT_HE_NORMAL, DLC_INIT_HE_UNIFORM,
  DLC_INIT_LECUN_NORMAL, DLC_INIT_LECUN_UNIFORM
};

enum {
  DLC_PARAM_TRAINABLE = 1,
  /* Training state (optimizer moments, step, learning rate, RNG seed):
   * saved in checkpoints, optional when loading weights. */
  DLC_PARAM_STATE = 2
};

/* One parameter: `numel` f32 values at `offset` (in elements) of the
 * parameter store. `a`/`b` are the initializer's arguments: value, or
 * mean/stddev, or minval/maxval. */
typedef struct dlc_param_desc {
  const char *name;
  const int64_t *dims;
  int64_t rank;
  int64_t numel;
  int64_t offset;
  int64_t init;
  int64_t flags;                  /* DLC_PARAM_TRAINABLE | DLC_PARAM_STATE */
  int64_t fan_in;
  int64_t fan_out;
  double a;
  double b;
} dlc_param_desc;

/* One entry point (forward, loss): the names used in error messages. */
typedef struct dlc_entry_desc {
  const char *name;               /* e.g. "fashion_mlp_forward" */
  int64_t num_symbols;            /* run-time dims, e.g. batch */
  const char *const *symbols;
  int64_t num_args;               /* inputs then outputs */
  const char *const *args;
  int64_t num_kernels;
  const char *const *kernels;     /* "dl.matmul at mlp.dl:14:13" */
} dlc_entry_desc;

typedef struct dlc_model_desc {
  const char *name;
  int64_t num_params;
  const dlc_param_desc *params;
  int64_t param_elems;            /* size of the parameter store */
  int64_t num_entries;
  const dlc_entry_desc *entries;
} dlc_model_desc;

typedef struct dlc_state dlc_state;

/* Errors: each function returns a status and leaves a message in the
 * state (cleared by the next success). A failed create, or a call with a
 * NULL or foreign state, has no state to hold it: its message goes to a
 * buffer of the calling thread (_Thread_local), which last_error returns
 * for such a state, so threads failing at once see their own messages. */
int32_t dlc_rt_create(const dlc_model_desc *d, dlc_state **out, uint64_t seed);
void dlc_rt_destroy(const dlc_model_desc *d, dlc_state *s);
const char *dlc_rt_last_error(const dlc_model_desc *d, const dlc_state *s);
int32_t dlc_rt_set_num_threads(int32_t n);

/* Entry calls: begin checks the state, the run-time dims and the argument
 * pointers and grows the arena to `arena_bytes` (-1: too large); end turns a
 * kernel's non-zero result into a message naming the kernel. */
int32_t dlc_rt_begin_call(const dlc_model_desc *d, dlc_state *s, int64_t entry,
                          const int64_t *symbols, void *const *args,
                          int64_t arena_bytes);
/* Checks of the caller's data, made by the host code after begin_call and
 * before any kernel (dlc_calls.c); each returns 0 or sets the state's
 * error and returns its status. `what` and `op` are the compiler's text
 * ("dl.embedding at model.dl:7:11"). */
/* Two dims the model needs equal differ: DLC_RT_INVALID_ARGUMENT. */
int32_t dlc_rt_dims_differ(const dlc_model_desc *d, dlc_state *s, int64_t entry,
                           const char *what, int64_t a, int64_t b);
/* Every index of the input `input` (dims[rank], int32 or int64 by `bits`)
 * in [lo, limit), else DLC_RT_INVALID_ARGUMENT naming the first position. */
int32_t dlc_rt_check_indices(const dlc_model_desc *d, dlc_state *s,
                             int64_t entry, const char *input, const char *op,
                             const void *data, const int64_t *dims,
                             int64_t rank, int32_t bits, int64_t lo,
                             int64_t limit);
/* The loss is finite, else DLC_RT_NON_FINITE (before any update). */
int32_t dlc_rt_check_loss(const dlc_model_desc *d, dlc_state *s, int64_t entry,
                          const float *loss);
float *dlc_rt_params(dlc_state *s);
void *dlc_rt_arena(dlc_state *s);
int32_t dlc_rt_end_call(const dlc_model_desc *d, dlc_state *s, int64_t entry,
                        int32_t kernel_status, int64_t kernel);

int64_t dlc_rt_num_params(const dlc_model_desc *d);
const char *dlc_rt_param_name(const dlc_model_desc *d, int64_t i);
int64_t dlc_rt_param_numel(const dlc_model_desc *d, const char *name);
int32_t dlc_rt_get_param(const dlc_model_desc *d, dlc_state *s,
                         const char *name, float *dst, int64_t count);
int32_t dlc_rt_set_param(const dlc_model_desc *d, dlc_state *s,
                         const char *name, const float *src, int64_t count);
/* safetensors. A file is accepted only if it follows the format as the
 * reference reader (huggingface/safetensors, tensor.rs) checks it, and fits
 * the model; anything else is DLC_RT_FORMAT or DLC_RT_MISMATCH, with a
 * message naming the rule (and the byte, for the header), and changes no
 * parameter:
 *   - a u64 little-endian header size N, at most 100 MB, within the file;
 *   - a header that begins with '{' and is one JSON object (RFC 8259,
 *     strictly: UTF-8, no NaN, comments, leading zeros or trailing commas;
 *     at most 64 levels deep; see dlc_json.h), no key twice in any object
 *     (compared after decoding escapes), then only spaces (0x20) of padding;
 *   - "__metadata__", if present, an object whose values are all strings;
 *   - every other key a tensor {"dtype": string, "shape": [integers],
 *     "data_offsets": [begin, end]} (integers below 2^63; other keys
 *     ignored) whose elements times 4 (F32) equal end - begin, without
 *     overflow; a dim of 0 is well-formed;
 *   - sorted by offsets, the tensors tile the data section: the first
 *     begins at 0, each where the previous ends, the last at its end;
 *   - the model's checks: every name is a parameter (names compared after
 *     decoding escapes, so "fc1\u002eweight" is fc1.weight), dtype F32,
 *     the parameter's exact shape, and every parameter present except
 *     training state (DLC_PARAM_STATE).
 * load reads the whole file first (DLC_RT_IO if that fails, e.g. for a
 * directory). save writes names JSON-escaped, padded to 8 bytes. */
int32_t dlc_rt_load_buffer(const dlc_model_desc *d, dlc_state *s,
                           const void *data, int64_t size);
int32_t dlc_rt_load(const dlc_model_desc *d, dlc_state *s, const char *path);
int32_t dlc_rt_save(const dlc_model_desc *d, dlc_state *s, const char *path);

#endif /* DLC_RUNTIME_H */
