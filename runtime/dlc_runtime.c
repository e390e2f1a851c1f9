/*===- dlc_runtime.c - State, parameters, safetensors, errors -------------===*
 *
 * See dlc_runtime.h. Every function checks its arguments and reports a
 * status plus a message; no input, however malformed, makes it crash or
 * leaves the model's parameters half-written.
 *
 *===----------------------------------------------------------------------===*/

#include "dlc_libc.h"
#include "dlc_runtime.h"

/* From the Halide runtime linked into the same object. */
int halide_set_num_threads(int n);
typedef void (*halide_error_handler_t)(void *, const char *);
halide_error_handler_t halide_set_error_handler(halide_error_handler_t handler);

/* Halide's default error handler prints and aborts; a library must not.
 * Ours keeps the message (per thread) for the failing call's error. */
static __thread char halide_message[256];

static void record_halide_error(void *user_context, const char *msg) {
  (void)user_context;
  snprintf(halide_message, sizeof halide_message, "%s", msg);
  size_t n = strlen(halide_message);
  while (n > 0 && (halide_message[n - 1] == '\n' || halide_message[n - 1] == ' '))
    halide_message[--n] = 0;
}

#define DLC_STATE_MAGIC 0x646c6373746174ULL /* "dlcstat" */
#define DLC_ERROR_SIZE 512
/* safetensors caps its JSON header at 100 MB; so do we. */
#define DLC_MAX_HEADER (100ull * 1000 * 1000)
#define DLC_MAX_JSON_DEPTH 64
#define DLC_MAX_RANK 8

struct dlc_state {
  uint64_t magic;
  const dlc_model_desc *desc;
  float *params;
  void *arena;
  int64_t arena_bytes;
  char error[DLC_ERROR_SIZE];
};

/* The message of the last failed create, which has no state to hold it. */
static char create_error[DLC_ERROR_SIZE];

static int32_t fail(dlc_state *s, int32_t status, const char *fmt, ...) {
  char *buf = s ? s->error : create_error;
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(buf, DLC_ERROR_SIZE, fmt, ap);
  va_end(ap);
  return status;
}

static int check_state(const dlc_model_desc *d, dlc_state *s,
                       const char *fn) {
  if (!s) {
    snprintf(create_error, DLC_ERROR_SIZE, "%s_%s: the model is NULL",
             d->name, fn);
    return 0;
  }
  if (s->magic != DLC_STATE_MAGIC || s->desc != d) {
    snprintf(create_error, DLC_ERROR_SIZE,
             "%s_%s: not a %s model (created by another model's create, or "
             "destroyed)", d->name, fn, d->name);
    return 0;
  }
  return 1;
}

/*===----------------------------------------------------------------------===*
 * Initializers (Keras semantics, PyTorch [out, in, ...] fans)
 *===----------------------------------------------------------------------===*/

/* splitmix64 (Steele, Lea, Flood 2014): small, fast, and good enough to
 * initialize weights reproducibly from a 64-bit seed. */
static uint64_t next_u64(uint64_t *x) {
  uint64_t z = (*x += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}
/* Uniform on (0, 1). */
static double next_unit(uint64_t *x) {
  return ((double)(next_u64(x) >> 11) + 0.5) * (1.0 / 9007199254740992.0);
}
/* Standard normal by Box-Muller. */
static double next_normal(uint64_t *x) {
  double u = next_unit(x), v = next_unit(x);
  return sqrt(-2.0 * log(u)) * cos(6.283185307179586 * v);
}

static void init_param(const dlc_param_desc *p, float *dst, uint64_t *rng) {
  double fan_in = (double)p->fan_in, fan_out = (double)p->fan_out;
  double lo = 0, hi = 0, stddev = 0, mean = 0;
  int normal = 0, truncated = 0;
  switch (p->init) {
  case DLC_INIT_ZEROS:
  case DLC_INIT_ONES:
  case DLC_INIT_CONSTANT: {
    float v = p->init == DLC_INIT_ZEROS ? 0.0f
              : p->init == DLC_INIT_ONES ? 1.0f : (float)p->a;
    for (int64_t i = 0; i < p->numel; ++i)
      dst[i] = v;
    return;
  }
  case DLC_INIT_NORMAL: normal = 1; mean = p->a; stddev = p->b; break;
  case DLC_INIT_TRUNCATED_NORMAL:
    normal = truncated = 1; mean = p->a; stddev = p->b; break;
  case DLC_INIT_UNIFORM: lo = p->a; hi = p->b; break;
  case DLC_INIT_GLOROT_UNIFORM:
    hi = sqrt(6.0 / (fan_in + fan_out)); lo = -hi; break;
  case DLC_INIT_GLOROT_NORMAL: /* Keras: truncated, stddev corrected */
    normal = truncated = 1;
    stddev = sqrt(2.0 / (fan_in + fan_out)) / .87962566103423978; break;
  case DLC_INIT_HE_NORMAL:
    normal = truncated = 1;
    stddev = sqrt(2.0 / fan_in) / .87962566103423978; break;
  case DLC_INIT_HE_UNIFORM: hi = sqrt(6.0 / fan_in); lo = -hi; break;
  case DLC_INIT_LECUN_NORMAL:
    normal = truncated = 1;
    stddev = sqrt(1.0 / fan_in) / .87962566103423978; break;
  case DLC_INIT_LECUN_UNIFORM: hi = sqrt(3.0 / fan_in); lo = -hi; break;
  default: break;
  }
  for (int64_t i = 0; i < p->numel; ++i) {
    if (normal) {
      double z = next_normal(rng);
      while (truncated && (z < -2.0 || z > 2.0))
        z = next_normal(rng);
      dst[i] = (float)(mean + stddev * z);
    } else {
      dst[i] = (float)(lo + (hi - lo) * next_unit(rng));
    }
  }
}

/*===----------------------------------------------------------------------===*
 * State
 *===----------------------------------------------------------------------===*/

int32_t dlc_rt_create(const dlc_model_desc *d, dlc_state **out,
                      uint64_t seed) {
  if (!out)
    return fail(0, DLC_RT_INVALID_ARGUMENT, "%s_create: `out` is NULL",
                d->name);
  *out = 0;
  dlc_state *s = (dlc_state *)calloc(1, sizeof(dlc_state));
  if (!s)
    return fail(0, DLC_RT_OUT_OF_MEMORY, "%s_create: out of memory",
                d->name);
  void *params = 0;
  size_t bytes = (size_t)(d->param_elems > 0 ? d->param_elems : 1) * 4;
  if (posix_memalign(&params, 64, bytes) != 0) {
    free(s);
    return fail(0, DLC_RT_OUT_OF_MEMORY,
                "%s_create: out of memory for %lld parameter bytes", d->name,
                (long long)bytes);
  }
  halide_set_error_handler(record_halide_error);
  s->magic = DLC_STATE_MAGIC;
  s->desc = d;
  s->params = (float *)params;
  uint64_t rng = seed;
  for (int64_t i = 0; i < d->num_params; ++i)
    init_param(&d->params[i], s->params + d->params[i].offset, &rng);
  *out = s;
  return DLC_RT_OK;
}

void dlc_rt_destroy(const dlc_model_desc *d, dlc_state *s) {
  if (!s || s->magic != DLC_STATE_MAGIC || s->desc != d)
    return;
  s->magic = 0;
  free(s->params);
  free(s->arena);
  free(s);
}

const char *dlc_rt_last_error(const dlc_model_desc *d, const dlc_state *s) {
  if (s && s->magic == DLC_STATE_MAGIC && s->desc == d)
    return s->error;
  return create_error;
}

int32_t dlc_rt_set_num_threads(int32_t n) {
  if (n < 0)
    return DLC_RT_INVALID_ARGUMENT;
  halide_set_num_threads(n);
  return DLC_RT_OK;
}

/*===----------------------------------------------------------------------===*
 * Entry calls
 *===----------------------------------------------------------------------===*/

int32_t dlc_rt_begin_call(const dlc_model_desc *d, dlc_state *s, int64_t entry,
                          const int64_t *symbols, void *const *args,
                          int64_t arena_bytes) {
  const dlc_entry_desc *e = &d->entries[entry];
  if (!check_state(d, s, e->name + strlen(d->name) + 1))
    return DLC_RT_INVALID_ARGUMENT;
  s->error[0] = 0;
  halide_message[0] = 0;
  for (int64_t i = 0; i < e->num_symbols; ++i)
    /* Halide indexes each dim with int32. */
    if (symbols[i] <= 0 || symbols[i] > 0x7fffffff)
      return fail(s, DLC_RT_INVALID_ARGUMENT,
                  "%s: %s = %lld is out of range (1 to 2147483647)", e->name,
                  e->symbols[i], (long long)symbols[i]);
  for (int64_t i = 0; i < e->num_args; ++i)
    if (!args[i])
      return fail(s, DLC_RT_INVALID_ARGUMENT, "%s: `%s` is NULL", e->name,
                  e->args[i]);
  if (arena_bytes < 0)
    return fail(s, DLC_RT_OUT_OF_MEMORY,
                "%s: the intermediate tensors for these dims exceed the "
                "address space", e->name);
  if (arena_bytes > s->arena_bytes) {
    void *arena = 0;
    if (posix_memalign(&arena, 64, (size_t)arena_bytes) != 0)
      return fail(s, DLC_RT_OUT_OF_MEMORY,
                  "%s: out of memory for a %lld-byte arena", e->name,
                  (long long)arena_bytes);
    free(s->arena);
    s->arena = arena;
    s->arena_bytes = arena_bytes;
  }
  return DLC_RT_OK;
}

float *dlc_rt_params(dlc_state *s) { return s->params; }
void *dlc_rt_arena(dlc_state *s) { return s->arena; }

int32_t dlc_rt_end_call(const dlc_model_desc *d, dlc_state *s, int64_t entry,
                        int32_t kernel_status, int64_t kernel) {
  const dlc_entry_desc *e = &d->entries[entry];
  if (kernel_status == 0)
    return DLC_RT_OK;
  const char *what = kernel >= 0 && kernel < e->num_kernels
                         ? e->kernels[kernel] : "a kernel";
  /* halide_error_code_requirement_failed: a run-time check of the op's
   * semantics, such as a class label outside [0, C). */
  if (halide_message[0])
    return fail(s, DLC_RT_KERNEL, "%s: %s failed: %s", e->name, what,
                halide_message);
  return fail(s, DLC_RT_KERNEL, "%s: %s failed (Halide error %d)", e->name,
              what, (int)kernel_status);
}

/*===----------------------------------------------------------------------===*
 * Parameters by name
 *===----------------------------------------------------------------------===*/

int64_t dlc_rt_num_params(const dlc_model_desc *d) { return d->num_params; }

const char *dlc_rt_param_name(const dlc_model_desc *d, int64_t i) {
  return i >= 0 && i < d->num_params ? d->params[i].name : 0;
}

static const dlc_param_desc *find_param(const dlc_model_desc *d,
                                        const char *name, size_t len) {
  for (int64_t i = 0; i < d->num_params; ++i)
    if (strlen(d->params[i].name) == len &&
        memcmp(d->params[i].name, name, len) == 0)
      return &d->params[i];
  return 0;
}

int64_t dlc_rt_param_numel(const dlc_model_desc *d, const char *name) {
  const dlc_param_desc *p = name ? find_param(d, name, strlen(name)) : 0;
  return p ? p->numel : -1;
}

static int32_t param_access(const dlc_model_desc *d, dlc_state *s,
                            const char *fn, const char *name, const void *buf,
                            int64_t count, const dlc_param_desc **out) {
  if (!check_state(d, s, fn))
    return DLC_RT_INVALID_ARGUMENT;
  if (!name)
    return fail(s, DLC_RT_INVALID_ARGUMENT, "%s_%s: `name` is NULL", d->name,
                fn);
  const dlc_param_desc *p = find_param(d, name, strlen(name));
  if (!p)
    return fail(s, DLC_RT_INVALID_ARGUMENT, "%s_%s: no parameter named '%s'",
                d->name, fn, name);
  if (!buf)
    return fail(s, DLC_RT_INVALID_ARGUMENT, "%s_%s: the buffer is NULL",
                d->name, fn);
  if (count != p->numel)
    return fail(s, DLC_RT_INVALID_ARGUMENT,
                "%s_%s: '%s' has %lld elements, not %lld", d->name, fn, name,
                (long long)p->numel, (long long)count);
  *out = p;
  return DLC_RT_OK;
}

int32_t dlc_rt_get_param(const dlc_model_desc *d, dlc_state *s,
                         const char *name, float *dst, int64_t count) {
  const dlc_param_desc *p;
  int32_t st = param_access(d, s, "get_param", name, dst, count, &p);
  if (st)
    return st;
  memcpy(dst, s->params + p->offset, (size_t)p->numel * 4);
  s->error[0] = 0;
  return DLC_RT_OK;
}

int32_t dlc_rt_set_param(const dlc_model_desc *d, dlc_state *s,
                         const char *name, const float *src, int64_t count) {
  const dlc_param_desc *p;
  int32_t st = param_access(d, s, "set_param", name, src, count, &p);
  if (st)
    return st;
  memcpy(s->params + p->offset, src, (size_t)p->numel * 4);
  s->error[0] = 0;
  return DLC_RT_OK;
}

/*===----------------------------------------------------------------------===*
 * safetensors (https://github.com/huggingface/safetensors#format)
 *
 *   u64 little-endian N | N bytes of JSON | data
 *
 * The JSON maps each tensor name to {"dtype", "shape", "data_offsets":
 * [begin, end]} relative to the data section, plus an optional
 * "__metadata__" object of strings. A load reads the whole file, checks
 * every entry against the model (names, F32, shapes, byte counts, offsets
 * within the data, no overlaps) and only then copies the values in.
 *===----------------------------------------------------------------------===*/

typedef struct json {
  const char *p, *end;
  int depth;
  const char *error;
} json;

static void skip_ws(json *j) {
  while (j->p < j->end &&
         (*j->p == ' ' || *j->p == '\t' || *j->p == '\n' || *j->p == '\r'))
    ++j->p;
}

static int expect(json *j, char c) {
  skip_ws(j);
  if (j->p >= j->end || *j->p != c) {
    j->error = "unexpected character";
    return 0;
  }
  ++j->p;
  return 1;
}

/* A string's raw bytes between the quotes (escapes left in place, which
 * model parameter names never need). */
static int parse_string(json *j, const char **s, size_t *len) {
  if (!expect(j, '"'))
    return 0;
  const char *start = j->p;
  while (j->p < j->end && *j->p != '"') {
    if ((unsigned char)*j->p < 0x20) {
      j->error = "control character in a string";
      return 0;
    }
    if (*j->p == '\\') {
      ++j->p;
      if (j->p >= j->end) break;
    }
    ++j->p;
  }
  if (j->p >= j->end) {
    j->error = "unterminated string";
    return 0;
  }
  *s = start;
  *len = (size_t)(j->p - start);
  ++j->p;
  return 1;
}

/* A non-negative integer below 2^63. */
static int parse_uint(json *j, uint64_t *v) {
  skip_ws(j);
  if (j->p >= j->end || *j->p < '0' || *j->p > '9') {
    j->error = "expected a non-negative integer";
    return 0;
  }
  uint64_t x = 0;
  while (j->p < j->end && *j->p >= '0' && *j->p <= '9') {
    uint64_t digit = (uint64_t)(*j->p - '0');
    if (x > (0x7fffffffffffffffULL - digit) / 10) {
      j->error = "integer too large";
      return 0;
    }
    x = x * 10 + digit;
    ++j->p;
  }
  *v = x;
  return 1;
}

/* Skips any JSON value (for __metadata__ and unknown keys). */
static int skip_value(json *j) {
  skip_ws(j);
  if (j->p >= j->end) {
    j->error = "unexpected end of header";
    return 0;
  }
  char c = *j->p;
  if (c == '"') {
    const char *s;
    size_t n;
    return parse_string(j, &s, &n);
  }
  if (c == '{' || c == '[') {
    char close = c == '{' ? '}' : ']';
    if (++j->depth > DLC_MAX_JSON_DEPTH) {
      j->error = "nested too deeply";
      return 0;
    }
    ++j->p;
    skip_ws(j);
    if (j->p < j->end && *j->p == close) {
      ++j->p;
      --j->depth;
      return 1;
    }
    for (;;) {
      if (c == '{') {
        const char *s;
        size_t n;
        if (!parse_string(j, &s, &n) || !expect(j, ':'))
          return 0;
      }
      if (!skip_value(j))
        return 0;
      skip_ws(j);
      if (j->p < j->end && *j->p == ',') {
        ++j->p;
        continue;
      }
      if (!expect(j, close))
        return 0;
      --j->depth;
      return 1;
    }
  }
  /* numbers, true, false, null */
  const char *start = j->p;
  while (j->p < j->end && *j->p != ',' && *j->p != '}' && *j->p != ']' &&
         *j->p != ' ' && *j->p != '\n' && *j->p != '\r' && *j->p != '\t')
    ++j->p;
  if (j->p == start) {
    j->error = "expected a value";
    return 0;
  }
  return 1;
}

typedef struct entry_info {
  const dlc_param_desc *param;
  uint64_t begin, end;
} entry_info;

static int key_is(const char *s, size_t n, const char *lit) {
  return strlen(lit) == n && memcmp(s, lit, n) == 0;
}

/* Parses {"dtype": ..., "shape": [...], "data_offsets": [b, e]}. */
static int32_t parse_tensor_info(const dlc_model_desc *d, dlc_state *s,
                                 json *j, const dlc_param_desc *p,
                                 entry_info *info) {
  const char *name = p->name;
  int have_dtype = 0, have_shape = 0, have_offsets = 0;
  uint64_t shape[DLC_MAX_RANK];
  int rank = 0;
  if (!expect(j, '{'))
    return 0;
  for (;;) {
    const char *key;
    size_t klen;
    if (!parse_string(j, &key, &klen) || !expect(j, ':'))
      return 0;
    if (key_is(key, klen, "dtype")) {
      const char *v;
      size_t vlen;
      if (!parse_string(j, &v, &vlen))
        return 0;
      if (!key_is(v, vlen, "F32"))
        return fail(s, DLC_RT_MISMATCH,
                    "%s_load: '%s' has dtype %.*s, the model needs F32",
                    d->name, name, (int)(vlen > 16 ? 16 : vlen), v);
      have_dtype = 1;
    } else if (key_is(key, klen, "shape")) {
      if (!expect(j, '['))
        return 0;
      skip_ws(j);
      if (j->p < j->end && *j->p == ']') {
        ++j->p;
      } else {
        for (;;) {
          uint64_t v;
          if (!parse_uint(j, &v))
            return 0;
          if (rank == DLC_MAX_RANK) {
            j->error = "shape of too many dims";
            return 0;
          }
          shape[rank++] = v;
          skip_ws(j);
          if (j->p < j->end && *j->p == ',') {
            ++j->p;
            continue;
          }
          if (!expect(j, ']'))
            return 0;
          break;
        }
      }
      have_shape = 1;
    } else if (key_is(key, klen, "data_offsets")) {
      if (!expect(j, '[') || !parse_uint(j, &info->begin) ||
          !expect(j, ',') || !parse_uint(j, &info->end) || !expect(j, ']'))
        return 0;
      have_offsets = 1;
    } else if (!skip_value(j)) {
      return 0;
    }
    skip_ws(j);
    if (j->p < j->end && *j->p == ',') {
      ++j->p;
      continue;
    }
    if (!expect(j, '}'))
      return 0;
    break;
  }
  if (!have_dtype || !have_shape || !have_offsets)
    return fail(s, DLC_RT_FORMAT,
                "%s_load: the entry for '%s' lacks dtype, shape or "
                "data_offsets", d->name, name);
  int same = rank == p->rank;
  for (int i = 0; same && i < rank; ++i)
    same = shape[i] == (uint64_t)p->dims[i];
  if (!same) {
    char got[160], want[160];
    int n = 0;
    got[0] = want[0] = 0;
    for (int i = 0; i < rank && n < 140; ++i)
      n += snprintf(got + n, sizeof got - n, "%s%llu", i ? "," : "",
                    (unsigned long long)shape[i]);
    n = 0;
    for (int i = 0; i < p->rank && n < 140; ++i)
      n += snprintf(want + n, sizeof want - n, "%s%lld", i ? "," : "",
                    (long long)p->dims[i]);
    return fail(s, DLC_RT_MISMATCH,
                "%s_load: '%s' has shape [%s] in the file, the model needs "
                "[%s]", d->name, name, got, want);
  }
  if (info->end < info->begin || info->end - info->begin != (uint64_t)p->numel * 4)
    return fail(s, DLC_RT_FORMAT,
                "%s_load: data_offsets of '%s' span %lld bytes, its shape "
                "needs %lld", d->name, name,
                (long long)(info->end - info->begin), (long long)p->numel * 4);
  info->param = p;
  return -1; /* parsed; not an error */
}

int32_t dlc_rt_load_buffer(const dlc_model_desc *d, dlc_state *s,
                           const void *data, int64_t size) {
  if (!check_state(d, s, "load"))
    return DLC_RT_INVALID_ARGUMENT;
  if (!data)
    return fail(s, DLC_RT_INVALID_ARGUMENT, "%s_load: the data is NULL",
                d->name);
  const unsigned char *bytes = (const unsigned char *)data;
  if (size < 8)
    return fail(s, DLC_RT_FORMAT,
                "%s_load: %lld bytes is too short for a safetensors file",
                d->name, (long long)size);
  uint64_t header = 0;
  for (int i = 7; i >= 0; --i)
    header = header << 8 | bytes[i];
  if (header > DLC_MAX_HEADER)
    return fail(s, DLC_RT_FORMAT,
                "%s_load: header size %llu exceeds the 100 MB limit", d->name,
                (unsigned long long)header);
  if (header > (uint64_t)size - 8)
    return fail(s, DLC_RT_FORMAT,
                "%s_load: header size %llu runs past the end of the %lld-byte "
                "file", d->name, (unsigned long long)header, (long long)size);
  const unsigned char *payload = bytes + 8 + header;
  uint64_t payload_size = (uint64_t)size - 8 - header;

  int64_t n = d->num_params;
  entry_info *found = (entry_info *)calloc((size_t)(n > 0 ? n : 1),
                                           sizeof(entry_info));
  if (!found)
    return fail(s, DLC_RT_OUT_OF_MEMORY, "%s_load: out of memory", d->name);
  json j = {(const char *)bytes + 8, (const char *)bytes + 8 + header, 0, 0};
  int32_t st = DLC_RT_OK;
  if (!expect(&j, '{'))
    goto syntax;
  skip_ws(&j);
  if (j.p < j.end && *j.p == '}') {
    ++j.p;
  } else {
    for (;;) {
      const char *key;
      size_t klen;
      if (!parse_string(&j, &key, &klen) || !expect(&j, ':'))
        goto syntax;
      if (key_is(key, klen, "__metadata__")) {
        if (!skip_value(&j))
          goto syntax;
      } else {
        const dlc_param_desc *p = find_param(d, key, klen);
        if (!p) {
          st = fail(s, DLC_RT_MISMATCH,
                    "%s_load: the file has a tensor '%.*s' that the model "
                    "does not", d->name, (int)(klen > 128 ? 128 : klen), key);
          goto done;
        }
        entry_info *info = &found[p - d->params];
        if (info->param) {
          st = fail(s, DLC_RT_FORMAT, "%s_load: '%s' appears twice", d->name,
                    p->name);
          goto done;
        }
        st = parse_tensor_info(d, s, &j, p, info);
        if (st == 0)
          goto syntax;
        if (st != -1)
          goto done;
        st = DLC_RT_OK;
      }
      skip_ws(&j);
      if (j.p < j.end && *j.p == ',') {
        ++j.p;
        continue;
      }
      if (!expect(&j, '}'))
        goto syntax;
      break;
    }
  }
  skip_ws(&j);
  if (j.p != j.end) {
    j.error = "trailing characters after the header";
    goto syntax;
  }
  /* Every parameter present (training state may be missing: weights
   * alone load into a model that trains), within the data, and no two
   * overlapping. */
  for (int64_t i = 0; i < n; ++i) {
    if (!found[i].param && (d->params[i].flags & DLC_PARAM_STATE))
      continue;
    if (!found[i].param) {
      st = fail(s, DLC_RT_MISMATCH, "%s_load: the file has no tensor '%s'",
                d->name, d->params[i].name);
      goto done;
    }
    if (found[i].end > payload_size) {
      st = fail(s, DLC_RT_FORMAT,
                "%s_load: '%s' ends at byte %llu of a %llu-byte data section",
                d->name, d->params[i].name, (unsigned long long)found[i].end,
                (unsigned long long)payload_size);
      goto done;
    }
    for (int64_t k = 0; k < i; ++k)
      if (found[k].param && found[i].begin < found[k].end &&
          found[k].begin < found[i].end) {
        st = fail(s, DLC_RT_FORMAT, "%s_load: the data of '%s' and '%s' overlap",
                  d->name, d->params[k].name, d->params[i].name);
        goto done;
      }
  }
  /* All checked: now the state changes. */
  for (int64_t i = 0; i < n; ++i)
    if (found[i].param)
      memcpy(s->params + d->params[i].offset, payload + found[i].begin,
             (size_t)d->params[i].numel * 4);
  s->error[0] = 0;
  goto done;
syntax:
  st = fail(s, DLC_RT_FORMAT,
            "%s_load: malformed safetensors header at byte %lld: %s", d->name,
            (long long)(j.p - (const char *)bytes),
            j.error ? j.error : "syntax error");
done:
  free(found);
  return st;
}

int32_t dlc_rt_load(const dlc_model_desc *d, dlc_state *s, const char *path) {
  if (!check_state(d, s, "load"))
    return DLC_RT_INVALID_ARGUMENT;
  if (!path)
    return fail(s, DLC_RT_INVALID_ARGUMENT, "%s_load: `path` is NULL",
                d->name);
  FILE *f = fopen(path, "rb");
  if (!f)
    return fail(s, DLC_RT_IO, "%s_load: cannot open '%s': %s", d->name, path,
                strerror(*__errno_location()));
  long size = -1;
  if (fseek(f, 0, SEEK_END) == 0)
    size = ftell(f);
  if (size < 0 || fseek(f, 0, SEEK_SET) != 0) {
    fclose(f);
    return fail(s, DLC_RT_IO, "%s_load: cannot read '%s'", d->name, path);
  }
  void *buf = malloc((size_t)(size > 0 ? size : 1));
  if (!buf) {
    fclose(f);
    return fail(s, DLC_RT_OUT_OF_MEMORY,
                "%s_load: out of memory reading %ld bytes", d->name, size);
  }
  size_t got = fread(buf, 1, (size_t)size, f);
  fclose(f);
  int32_t st;
  if (got != (size_t)size)
    st = fail(s, DLC_RT_IO, "%s_load: short read from '%s'", d->name, path);
  else
    st = dlc_rt_load_buffer(d, s, buf, size);
  free(buf);
  return st;
}

int32_t dlc_rt_save(const dlc_model_desc *d, dlc_state *s, const char *path) {
  if (!check_state(d, s, "save"))
    return DLC_RT_INVALID_ARGUMENT;
  if (!path)
    return fail(s, DLC_RT_INVALID_ARGUMENT, "%s_save: `path` is NULL",
                d->name);
  /* Header size: a bounded amount per parameter. */
  size_t cap = 64;
  for (int64_t i = 0; i < d->num_params; ++i)
    cap += strlen(d->params[i].name) + 96 + 21 * (size_t)d->params[i].rank;
  char *h = (char *)malloc(cap);
  if (!h)
    return fail(s, DLC_RT_OUT_OF_MEMORY, "%s_save: out of memory", d->name);
  size_t n = 0;
  uint64_t offset = 0;
  n += snprintf(h + n, cap - n, "{");
  for (int64_t i = 0; i < d->num_params; ++i) {
    const dlc_param_desc *p = &d->params[i];
    n += snprintf(h + n, cap - n, "%s\"%s\":{\"dtype\":\"F32\",\"shape\":[",
                  i ? "," : "", p->name);
    for (int64_t k = 0; k < p->rank; ++k)
      n += snprintf(h + n, cap - n, "%s%lld", k ? "," : "",
                    (long long)p->dims[k]);
    n += snprintf(h + n, cap - n, "],\"data_offsets\":[%llu,%llu]}",
                  (unsigned long long)offset,
                  (unsigned long long)(offset + (uint64_t)p->numel * 4));
    offset += (uint64_t)p->numel * 4;
  }
  n += snprintf(h + n, cap - n, "}");
  /* Pad with spaces so the data starts 8-byte aligned, as the format
   * recommends. */
  while (n % 8 && n + 1 < cap)
    h[n++] = ' ';
  unsigned char len[8];
  for (int i = 0; i < 8; ++i)
    len[i] = (unsigned char)((uint64_t)n >> (8 * i));
  FILE *f = fopen(path, "wb");
  if (!f) {
    free(h);
    return fail(s, DLC_RT_IO, "%s_save: cannot create '%s': %s", d->name,
                path, strerror(*__errno_location()));
  }
  int ok = fwrite(len, 1, 8, f) == 8 && fwrite(h, 1, n, f) == n;
  for (int64_t i = 0; ok && i < d->num_params; ++i) {
    const dlc_param_desc *p = &d->params[i];
    ok = fwrite(s->params + p->offset, 4, (size_t)p->numel, f) ==
         (size_t)p->numel;
  }
  ok = (fclose(f) == 0) && ok;
  free(h);
  if (!ok)
    return fail(s, DLC_RT_IO, "%s_save: error writing '%s'", d->name, path);
  s->error[0] = 0;
  return DLC_RT_OK;
}
