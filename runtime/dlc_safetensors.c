/*===- dlc_safetensors.c - Saving and loading parameters as safetensors --===*
 *
 * See dlc_runtime.h. A load checks the whole file (the header's JSON, the
 * tensors' names, types, shapes and offsets, the learning rate) before it
 * writes any parameter, so a refused file leaves the model as it was.
 *
 *===----------------------------------------------------------------------===*/

#include "dlc_libc.h"
#include "dlc_json.h"
#include "dlc_runtime.h"
#include "dlc_state.h"

/*===----------------------------------------------------------------------===*
 * safetensors (https://github.com/huggingface/safetensors#format)
 *
 *   u64 little-endian N | N bytes of header | data
 *
 * The header is UTF-8 JSON (dlc_json.h: strict RFC 8259, and no key twice
 * in any object) that begins with '{' and may be padded with spaces. It
 * maps each tensor name to {"dtype", "shape", "data_offsets": [begin,
 * end]} (byte offsets into the data; other keys are ignored), plus an
 * optional "__metadata__" object whose values are strings. As in the
 * reference reader (safetensors/src/tensor.rs), the tensors sorted by
 * offsets tile the data exactly: from 0, no gap, no overlap, to its end,
 * each spanning its elements times its dtype's size. Then the model's own
 * checks: known names, F32, its shapes, every parameter but training
 * state. A load checks everything before it copies any value.
 *===----------------------------------------------------------------------===*/

typedef struct entry_info {
  const dlc_param_desc *param;
  uint64_t begin, end;
} entry_info;

/* A load in progress. */
typedef struct loader {
  const dlc_model_desc *d;
  dlc_state *s;
  json j;
  const unsigned char *file;    /* messages count bytes from here */
  char why[192];                /* a message j.error may point to */
} loader;

#define SYNTAX (-1)             /* a malformed header, with L->j.error */

/* Records a header error at the current byte (unless the JSON reader has
 * already recorded a more precise one) and returns SYNTAX. */
static int32_t bad(loader *L, const char *fmt, ...) {
  if (!L->j.error) {
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(L->why, sizeof L->why, fmt, ap);
    va_end(ap);
    json_fail(&L->j, L->why);
  }
  return SYNTAX;
}

/* For messages: a string's source, up to 64 bytes, cut at a character
 * boundary. The reader has checked it is UTF-8 without control bytes. */
static int shown(const unsigned char *s, const unsigned char *e) {
  size_t n = (size_t)(e - s);
  if (n <= 64)
    return (int)n;
  n = 64;
  while (n > 0 && (s[n] & 0xc0) == 0x80)
    --n;
  return (int)n;
}

static int32_t syntax_error(loader *L) {
  json *j = &L->j;
  long long at = (long long)(j->error_at - L->file);
  if (j->dup) {
    json k;
    const unsigned char *s, *e;
    uint32_t h;
    json_init(&k, j->dup, (size_t)(j->end - j->dup), 0);
    json_string(&k, &s, &e, &h);
    return dlc_rt_fail(L->s, DLC_RT_FORMAT,
                "%s_load: malformed safetensors header at byte %lld: \"%.*s\" "
                "appears twice in one object", L->d->name, at, shown(s, e), s);
  }
  return dlc_rt_fail(L->s, DLC_RT_FORMAT,
              "%s_load: malformed safetensors header at byte %lld: %s",
              L->d->name, at, j->error ? j->error : "syntax error");
}

static const dlc_param_desc *find_param_json(const dlc_model_desc *d,
                                             const unsigned char *s,
                                             const unsigned char *e) {
  for (int64_t i = 0; i < d->num_params; ++i)
    if (json_string_is(s, e, d->params[i].name))
      return &d->params[i];
  return 0;
}

/* {"dtype": ..., "shape": [...], "data_offsets": [b, e]}: DLC_RT_OK,
 * SYNTAX, or the status of a recorded error. */
static int32_t parse_tensor_info(loader *L, const dlc_param_desc *p,
                                 entry_info *info) {
  json *j = &L->j;
  const char *dname = L->d->name, *name = p->name;
  int have_dtype = 0, have_shape = 0, have_offsets = 0, overflow = 0;
  int same = 1;
  uint64_t shape[DLC_MAX_RANK], numel = 1;
  int64_t rank = 0;
  if (!json_take(j, '{'))
    return bad(L, "the entry for '%s' is not an object", name);
  if (!json_take(j, '}')) {
    do {
      const unsigned char *k, *ke, *v, *ve;
      uint32_t h;
      if (!json_string(j, &k, &ke, &h) || !json_expect(j, ':', "expected ':'"))
        return SYNTAX;
      if (json_string_is(k, ke, "dtype")) {
        if (json_peek(j) != '"')
          return bad(L, "the dtype of '%s' is not a string", name);
        json_string(j, &v, &ve, &h);
        if (!json_string_is(v, ve, "F32"))
          return dlc_rt_fail(L->s, DLC_RT_MISMATCH,
                      "%s_load: '%s' has dtype %.*s, the model needs F32",
                      dname, name, shown(v, ve), v);
        have_dtype = 1;
      } else if (json_string_is(k, ke, "shape")) {
        if (!json_take(j, '['))
          return bad(L, "the shape of '%s' is not an array", name);
        if (!json_take(j, ']')) {
          do {
            uint64_t x;
            if (!json_uint(j, &x))
              return SYNTAX;
            if (rank < DLC_MAX_RANK)
              shape[rank] = x;
            if (rank >= p->rank || x != (uint64_t)p->dims[rank])
              same = 0;
            if (x && numel > UINT64_MAX / x)
              overflow = 1;
            numel *= x;
            ++rank;
          } while (json_take(j, ','));
          if (!json_expect(j, ']', "expected ',' or ']' in a shape"))
            return SYNTAX;
        }
        have_shape = 1;
      } else if (json_string_is(k, ke, "data_offsets")) {
        if (!json_take(j, '[') || !json_uint(j, &info->begin) ||
            !json_take(j, ',') || !json_uint(j, &info->end) ||
            !json_take(j, ']'))
          return bad(L, "the data_offsets of '%s' are not [begin, end]", name);
        have_offsets = 1;
      } else if (!json_value(j)) {
        return SYNTAX;
      }
    } while (json_take(j, ','));
    if (!json_expect(j, '}', "expected ',' or '}' in a tensor entry"))
      return SYNTAX;
  }
  if (!have_dtype || !have_shape || !have_offsets)
    return dlc_rt_fail(L->s, DLC_RT_FORMAT,
                "%s_load: the entry for '%s' lacks dtype, shape or "
                "data_offsets", dname, name);
  if (overflow || numel > UINT64_MAX / 4)
    return dlc_rt_fail(L->s, DLC_RT_FORMAT,
                "%s_load: the shape of '%s' has more elements than 64 bits "
                "can count", dname, name);
  if (info->end < info->begin)
    return dlc_rt_fail(L->s, DLC_RT_FORMAT,
                "%s_load: the data_offsets of '%s' end before they begin",
                dname, name);
  if (info->end - info->begin != numel * 4)
    return dlc_rt_fail(L->s, DLC_RT_FORMAT,
                "%s_load: data_offsets of '%s' span %llu bytes, its shape "
                "needs %llu", dname, name,
                (unsigned long long)(info->end - info->begin),
                (unsigned long long)numel * 4);
  if (!same || rank != p->rank) {
    char got[160], want[160];
    int n = 0;
    got[0] = want[0] = 0;
    for (int64_t i = 0; i < rank && i < DLC_MAX_RANK && n < 140; ++i)
      n += snprintf(got + n, sizeof got - n, "%s%llu", i ? "," : "",
                    (unsigned long long)shape[i]);
    if (rank > DLC_MAX_RANK)
      snprintf(got + n, sizeof got - n, ",... (%lld dims)", (long long)rank);
    n = 0;
    for (int64_t i = 0; i < p->rank && n < 140; ++i)
      n += snprintf(want + n, sizeof want - n, "%s%lld", i ? "," : "",
                    (long long)p->dims[i]);
    return dlc_rt_fail(L->s, DLC_RT_MISMATCH,
                "%s_load: '%s' has shape [%s] in the file, the model needs "
                "[%s]", dname, name, got, want);
  }
  info->param = p;
  return DLC_RT_OK;
}

/* The second pass over the header, which the first has shown to be valid
 * JSON: the meaning of each entry. */
static int32_t read_entries(loader *L, entry_info *found) {
  json *j = &L->j;
  json_take(j, '{');
  if (json_take(j, '}'))
    return DLC_RT_OK;
  do {
    const unsigned char *k, *ke, *v, *ve;
    uint32_t h;
    if (!json_string(j, &k, &ke, &h) || !json_expect(j, ':', "expected ':'"))
      return SYNTAX;
    if (json_string_is(k, ke, "__metadata__")) {
      if (!json_take(j, '{'))
        return bad(L, "__metadata__ is not an object");
      if (json_take(j, '}'))
        continue;
      do {
        if (!json_string(j, &k, &ke, &h) ||
            !json_expect(j, ':', "expected ':'"))
          return SYNTAX;
        if (json_peek(j) != '"')
          return bad(L, "__metadata__ \"%.*s\" is not a string", shown(k, ke),
                     k);
        json_string(j, &v, &ve, &h);
      } while (json_take(j, ','));
      if (!json_expect(j, '}', "expected ',' or '}' in __metadata__"))
        return SYNTAX;
      continue;
    }
    const dlc_param_desc *p = find_param_json(L->d, k, ke);
    if (!p)
      return dlc_rt_fail(L->s, DLC_RT_MISMATCH,
                  "%s_load: the file has a tensor '%.*s' that the model "
                  "does not", L->d->name, shown(k, ke), k);
    entry_info *info = &found[p - L->d->params];
    if (info->param) /* the first pass rejects repeated keys; still */
      return dlc_rt_fail(L->s, DLC_RT_FORMAT, "%s_load: '%s' appears twice",
                  L->d->name, p->name);
    int32_t st = parse_tensor_info(L, p, info);
    if (st)
      return st;
  } while (json_take(j, ','));
  return json_expect(j, '}', "expected ',' or '}'") ? DLC_RT_OK : SYNTAX;
}

/* The reference's rule on the `m` entries found: sorted by (begin, end),
 * each begins where the previous ends, from 0 to the end of the data. */
static int32_t check_tiling(loader *L, entry_info *e, int64_t m,
                            uint64_t data_size) {
  /* Insertion sort: files are mostly written in order. */
  for (int64_t i = 1; i < m; ++i) {
    entry_info x = e[i];
    int64_t k = i;
    for (; k > 0 && (e[k - 1].begin > x.begin ||
                     (e[k - 1].begin == x.begin && e[k - 1].end > x.end)); --k)
      e[k] = e[k - 1];
    e[k] = x;
  }
  const char *dname = L->d->name;
  uint64_t at = 0;
  for (int64_t i = 0; i < m; ++i) {
    if (e[i].end > data_size)
      return dlc_rt_fail(L->s, DLC_RT_FORMAT,
                  "%s_load: '%s' ends at byte %llu of a %llu-byte data section",
                  dname, e[i].param->name, (unsigned long long)e[i].end,
                  (unsigned long long)data_size);
    if (e[i].begin < at)
      return dlc_rt_fail(L->s, DLC_RT_FORMAT,
                  "%s_load: the data of '%s' and '%s' overlap", dname,
                  e[i - 1].param->name, e[i].param->name);
    if (e[i].begin > at)
      return dlc_rt_fail(L->s, DLC_RT_FORMAT,
                  "%s_load: bytes %llu to %llu of the data section belong to "
                  "no tensor ('%s' begins after them)", dname,
                  (unsigned long long)at, (unsigned long long)e[i].begin,
                  e[i].param->name);
    at = e[i].end;
  }
  if (at != data_size)
    return dlc_rt_fail(L->s, DLC_RT_FORMAT,
                "%s_load: bytes %llu to %llu of the data section belong to no "
                "tensor (the last ends before them)", dname,
                (unsigned long long)at, (unsigned long long)data_size);
  return DLC_RT_OK;
}

int32_t dlc_rt_load_buffer(const dlc_model_desc *d, dlc_state *s,
                           const void *data, int64_t size) {
  if (!dlc_rt_check_state(d, s, "load"))
    return DLC_RT_INVALID_ARGUMENT;
  if (!data)
    return dlc_rt_fail(s, DLC_RT_INVALID_ARGUMENT, "%s_load: the data is NULL",
                d->name);
  const unsigned char *bytes = (const unsigned char *)data;
  if (size < 8)
    return dlc_rt_fail(s, DLC_RT_FORMAT,
                "%s_load: %lld bytes is too short for a safetensors file",
                d->name, (long long)size);
  uint64_t header = 0;
  for (int i = 7; i >= 0; --i)
    header = header << 8 | bytes[i];
  if (header > DLC_MAX_HEADER)
    return dlc_rt_fail(s, DLC_RT_FORMAT,
                "%s_load: header size %llu exceeds the 100 MB limit", d->name,
                (unsigned long long)header);
  if (header > (uint64_t)size - 8)
    return dlc_rt_fail(s, DLC_RT_FORMAT,
                "%s_load: header size %llu runs past the end of the %lld-byte "
                "file", d->name, (unsigned long long)header, (long long)size);
  if (header == 0 || bytes[8] != '{')
    return dlc_rt_fail(s, DLC_RT_FORMAT,
                "%s_load: the header (byte 8 on) does not begin with '{'",
                d->name);
  loader L;
  L.d = d;
  L.s = s;
  L.file = bytes;
  /* First pass: one JSON object, no key twice in any object, then only
   * spaces. */
  json_init(&L.j, bytes + 8, (size_t)header, DLC_JSON_UNIQUE_KEYS);
  int ok = json_value(&L.j);
  while (ok && L.j.p < L.j.end && *L.j.p == ' ')
    ++L.j.p;
  if (ok && L.j.p != L.j.end)
    ok = json_fail(&L.j, "trailing characters after the header (only spaces "
                         "may pad it)");
  json_release(&L.j);
  if (!ok)
    return L.j.out_of_memory
               ? dlc_rt_fail(s, DLC_RT_OUT_OF_MEMORY, "%s_load: out of memory",
                      d->name)
               : syntax_error(&L);

  int64_t n = d->num_params;
  entry_info *found = (entry_info *)calloc((size_t)(n > 0 ? n : 1),
                                           sizeof(entry_info));
  if (!found)
    return dlc_rt_fail(s, DLC_RT_OUT_OF_MEMORY, "%s_load: out of memory", d->name);
  json_init(&L.j, bytes + 8, (size_t)header, 0);
  int32_t st = read_entries(&L, found);
  if (st == SYNTAX) {
    st = syntax_error(&L);
    goto done;
  }
  if (st)
    goto done;
  /* Every parameter present (training state may be missing: weights
   * alone load into a model that trains). */
  int64_t m = 0;
  for (int64_t i = 0; i < n; ++i) {
    if (found[i].param)
      found[m++] = found[i];
    else if (!(d->params[i].flags & DLC_PARAM_STATE)) {
      st = dlc_rt_fail(s, DLC_RT_MISMATCH, "%s_load: the file has no tensor '%s'",
                d->name, d->params[i].name);
      goto done;
    }
  }
  st = check_tiling(&L, found, m, (uint64_t)size - 8 - header);
  if (st)
    goto done;
  const unsigned char *payload = bytes + 8 + header;
  for (int64_t i = 0; i < m; ++i) {
    float lr;
    if (!is_learning_rate(found[i].param))
      continue;
    memcpy(&lr, payload + found[i].begin, 4);
    if (!valid_learning_rate(lr)) {
      st = dlc_rt_fail(s, DLC_RT_FORMAT,
                       "%s_load: the learning rate '%s' must be finite and >= 0, "
                       "got %g", d->name, found[i].param->name, (double)lr);
      goto done;
    }
  }
  /* All checked: now the state changes. */
  for (int64_t i = 0; i < m; ++i)
    memcpy(s->params + found[i].param->offset, payload + found[i].begin,
           (size_t)found[i].param->numel * 4);
  s->error[0] = 0;
done:
  free(found);
  return st;
}

int32_t dlc_rt_load(const dlc_model_desc *d, dlc_state *s, const char *path) {
  if (!dlc_rt_check_state(d, s, "load"))
    return DLC_RT_INVALID_ARGUMENT;
  if (!path)
    return dlc_rt_fail(s, DLC_RT_INVALID_ARGUMENT, "%s_load: `path` is NULL",
                d->name);
  FILE *f = fopen(path, "rb");
  if (!f)
    return dlc_rt_fail(s, DLC_RT_IO, "%s_load: cannot open '%s': %s", d->name, path,
                strerror(*__errno_location()));
  /* fopen opens a directory too, and ftell then says LONG_MAX: one byte
   * read first fails (EISDIR) before the size is believed. */
  unsigned char first;
  if (fread(&first, 1, 1, f) != 1 && ferror(f)) {
    int err = *__errno_location();
    fclose(f);
    return dlc_rt_fail(s, DLC_RT_IO, "%s_load: cannot read '%s': %s", d->name, path,
                strerror(err));
  }
  long size = -1;
  if (fseek(f, 0, SEEK_END) == 0)
    size = ftell(f);
  if (size < 0 || size == DLC_LONG_MAX || fseek(f, 0, SEEK_SET) != 0) {
    fclose(f);
    return dlc_rt_fail(s, DLC_RT_IO,
                "%s_load: cannot read '%s': its size is unknown (not a "
                "regular file?)", d->name, path);
  }
  void *buf = malloc((size_t)(size > 0 ? size : 1));
  if (!buf) {
    fclose(f);
    return dlc_rt_fail(s, DLC_RT_OUT_OF_MEMORY,
                "%s_load: out of memory reading %ld bytes", d->name, size);
  }
  size_t got = fread(buf, 1, (size_t)size, f);
  fclose(f);
  int32_t st;
  if (got != (size_t)size)
    st = dlc_rt_fail(s, DLC_RT_IO, "%s_load: short read from '%s'", d->name, path);
  else
    st = dlc_rt_load_buffer(d, s, buf, size);
  free(buf);
  return st;
}

int32_t dlc_rt_save(const dlc_model_desc *d, dlc_state *s, const char *path) {
  if (!dlc_rt_check_state(d, s, "save"))
    return DLC_RT_INVALID_ARGUMENT;
  if (!path)
    return dlc_rt_fail(s, DLC_RT_INVALID_ARGUMENT, "%s_save: `path` is NULL",
                d->name);
  /* Header size: a bounded amount per parameter (a name byte escapes to
   * at most 6). */
  size_t cap = 64;
  for (int64_t i = 0; i < d->num_params; ++i)
    cap += 6 * strlen(d->params[i].name) + 96 + 21 * (size_t)d->params[i].rank;
  char *h = (char *)malloc(cap);
  if (!h)
    return dlc_rt_fail(s, DLC_RT_OUT_OF_MEMORY, "%s_save: out of memory", d->name);
  size_t n = 0;
  uint64_t offset = 0;
  n += snprintf(h + n, cap - n, "{");
  for (int64_t i = 0; i < d->num_params; ++i) {
    const dlc_param_desc *p = &d->params[i];
    n += snprintf(h + n, cap - n, "%s\"", i ? "," : "");
    for (const unsigned char *c = (const unsigned char *)p->name; *c; ++c)
      n += snprintf(h + n, cap - n, *c == '"' || *c == '\\' ? "\\%c"
                                    : *c < 0x20 ? "\\u%04x" : "%c", *c);
    n += snprintf(h + n, cap - n, "\":{\"dtype\":\"F32\",\"shape\":[");
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
    return dlc_rt_fail(s, DLC_RT_IO, "%s_save: cannot create '%s': %s", d->name,
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
    return dlc_rt_fail(s, DLC_RT_IO, "%s_save: error writing '%s'", d->name, path);
  s->error[0] = 0;
  return DLC_RT_OK;
}
