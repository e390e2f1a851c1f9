/*===- dlc_json.h - A strict JSON reader for safetensors headers ----------===*
 *
 * RFC 8259 JSON, validated byte by byte: the grammar exactly (no comments,
 * NaN, hex, leading zeros, trailing commas or bare words), strings of
 * well-formed UTF-8 (RFC 3629: no overlong forms, surrogates or code points
 * above U+10FFFF) whose \u escapes pair their surrogates, and nesting at
 * most DLC_JSON_MAX_DEPTH deep. With DLC_JSON_UNIQUE_KEYS, two keys of one
 * object that decode to the same string are an error too (RFC 8259 only
 * says they SHOULD be unique; safetensors readers disagree on which wins),
 * found by sorting each object's keys when it closes: 8 bytes per key of
 * the objects open, O(n log n) time however hostile the input.
 *
 * A header of static functions: dlc_safetensors.c includes it once (the
 * only runtime file that reads JSON), and test/Runtime/json_suite.c includes it
 * natively. It needs only malloc, realloc and free, from dlc_libc.h in the
 * runtime and from <stdlib.h> elsewhere.
 *
 *===----------------------------------------------------------------------===*/

#ifndef DLC_JSON_H
#define DLC_JSON_H

#include <stddef.h>
#include <stdint.h>
#ifndef DLC_LIBC_H
#include <stdlib.h>
#endif

#define DLC_JSON_MAX_DEPTH 64
#define DLC_JSON_UNIQUE_KEYS 1

/* Not every includer calls every function. */
#define DLC_JSON_FN static __attribute__((unused))

/* A key of an object being parsed: where its opening quote is, and a hash
 * of its decoded code points. */
typedef struct json_key {
  uint32_t pos, hash;
} json_key;

typedef struct json {
  const unsigned char *begin, *p, *end;
  int depth, flags;
  const char *error;          /* why parsing stopped, or NULL */
  const unsigned char *error_at;
  const unsigned char *dup;   /* the repeated key's quote, for the message */
  int out_of_memory;
  /* The keys of the objects now open (DLC_JSON_UNIQUE_KEYS): a stack, each
   * object's keys above its parent's, popped when it closes. */
  json_key *keys;
  size_t num_keys, cap_keys;
} json;

DLC_JSON_FN void json_init(json *j, const void *buf, size_t len, int flags) {
  if (!buf) /* NULL + 0 is undefined behaviour */
    buf = "", len = 0;
  j->begin = j->p = (const unsigned char *)buf;
  j->end = j->begin + len;
  j->depth = 0;
  j->flags = flags;
  j->error = 0;
  j->error_at = 0;
  j->dup = 0;
  j->out_of_memory = 0;
  j->keys = 0;
  j->num_keys = j->cap_keys = 0;
}

DLC_JSON_FN void json_release(json *j) {
  free(j->keys);
  j->keys = 0;
  j->num_keys = j->cap_keys = 0;
}

/* Records the first error (and where) and returns 0. */
DLC_JSON_FN int json_fail(json *j, const char *why) {
  if (!j->error) {
    j->error = why;
    j->error_at = j->p;
  }
  return 0;
}

DLC_JSON_FN void json_ws(json *j) {
  while (j->p < j->end &&
         (*j->p == ' ' || *j->p == '\t' || *j->p == '\n' || *j->p == '\r'))
    ++j->p;
}

/* The next byte after whitespace, or -1 at the end. */
DLC_JSON_FN int json_peek(json *j) {
  json_ws(j);
  return j->p < j->end ? *j->p : -1;
}

/* Consumes `c` (after whitespace) if it is next. */
DLC_JSON_FN int json_take(json *j, int c) {
  if (json_peek(j) != c)
    return 0;
  ++j->p;
  return 1;
}

DLC_JSON_FN int json_expect(json *j, int c, const char *why) {
  return json_take(j, c) ? 1 : json_fail(j, j->p < j->end ? why
                                                 : "unexpected end of input");
}

static int json_hex4(const unsigned char *p, uint32_t *v) {
  uint32_t x = 0;
  for (int i = 0; i < 4; ++i) {
    unsigned c = p[i];
    if (c >= '0' && c <= '9') x = x << 4 | (c - '0');
    else if (c >= 'a' && c <= 'f') x = x << 4 | (c - 'a' + 10);
    else if (c >= 'A' && c <= 'F') x = x << 4 | (c - 'A' + 10);
    else return 0;
  }
  *v = x;
  return 1;
}

/* Decodes one character of a string body that json_string has accepted:
 * a UTF-8 sequence or an escape (a surrogate pair is one character). */
static uint32_t json_next_char(const unsigned char **pp) {
  const unsigned char *p = *pp;
  uint32_t c = *p;
  if (c == '\\') {
    unsigned char e = p[1];
    *pp = p + 2;
    switch (e) {
    case 'b': return '\b';
    case 'f': return '\f';
    case 'n': return '\n';
    case 'r': return '\r';
    case 't': return '\t';
    case 'u': {
      uint32_t hi = 0, lo = 0;
      json_hex4(p + 2, &hi);
      *pp = p + 6;
      if (hi < 0xd800 || hi > 0xdbff)
        return hi;
      json_hex4(p + 8, &lo);
      *pp = p + 12;
      return 0x10000 + ((hi - 0xd800) << 10) + (lo - 0xdc00);
    }
    default: return e; /* " \ / */
    }
  }
  int n = c < 0x80 ? 0 : c < 0xe0 ? 1 : c < 0xf0 ? 2 : 3;
  if (n)
    c &= 0x3f >> n;
  for (int i = 1; i <= n; ++i)
    c = c << 6 | (p[i] & 0x3f);
  *pp = p + 1 + n;
  return c;
}

/* FNV-1a over the decoded characters. */
static uint32_t json_hash_step(uint32_t h, uint32_t c) {
  for (int i = 0; i < 4; ++i, c >>= 8)
    h = (h ^ (c & 0xff)) * 16777619u;
  return h;
}

/* A string, at its opening quote. On success *s and *e delimit its body
 * (escapes in place, for json_next_char) and *hash is the hash of its
 * decoded characters. */
DLC_JSON_FN int json_string(json *j, const unsigned char **s,
                            const unsigned char **e, uint32_t *hash) {
  if (json_peek(j) != '"')
    return json_fail(j, j->p < j->end ? "expected a string"
                                      : "unexpected end of input");
  const unsigned char *start = ++j->p, *p = start, *end = j->end;
  uint32_t h = 2166136261u;
  for (;;) {
    j->p = p; /* where an error is reported */
    if (p >= end)
      return json_fail(j, "unterminated string");
    uint32_t c = *p;
    if (c == '"')
      break;
    if (c < 0x20)
      return json_fail(j, "unescaped control character in a string");
    if (c == '\\') {
      if (end - p < 2)
        return json_fail(j, "unterminated string");
      unsigned char x = p[1];
      if (x == 'u') {
        uint32_t hi, lo;
        if (end - p < 6 || !json_hex4(p + 2, &hi))
          return json_fail(j, "\\u needs 4 hex digits");
        if (hi >= 0xdc00 && hi <= 0xdfff)
          return json_fail(j, "unpaired UTF-16 surrogate in a \\u escape");
        if (hi >= 0xd800 && hi <= 0xdbff &&
            (end - p < 12 || p[6] != '\\' || p[7] != 'u' ||
             !json_hex4(p + 8, &lo) || lo < 0xdc00 || lo > 0xdfff))
          return json_fail(j, "unpaired UTF-16 surrogate in a \\u escape");
      } else if (x != '"' && x != '\\' && x != '/' && x != 'b' && x != 'f' &&
                 x != 'n' && x != 'r' && x != 't') {
        return json_fail(j, "invalid escape in a string");
      }
    } else if (c >= 0x80) {
      /* RFC 3629: the second byte's range depends on the first. */
      unsigned lo = 0x80, hi = 0xbf;
      int n;
      if (c >= 0xc2 && c <= 0xdf) {
        n = 1;
      } else if (c >= 0xe0 && c <= 0xef) {
        n = 2;
        if (c == 0xe0) lo = 0xa0; /* overlong */
        if (c == 0xed) hi = 0x9f; /* surrogates */
      } else if (c >= 0xf0 && c <= 0xf4) {
        n = 3;
        if (c == 0xf0) lo = 0x90; /* overlong */
        if (c == 0xf4) hi = 0x8f; /* above U+10FFFF */
      } else {
        return json_fail(j, "invalid UTF-8 in a string");
      }
      if (end - p <= n || p[1] < lo || p[1] > hi)
        return json_fail(j, "invalid UTF-8 in a string");
      for (int i = 2; i <= n; ++i)
        if (p[i] < 0x80 || p[i] > 0xbf)
          return json_fail(j, "invalid UTF-8 in a string");
    }
    h = json_hash_step(h, json_next_char(&p));
  }
  *s = start;
  *e = p;
  *hash = h;
  j->p = p + 1;
  return 1;
}

static int json_utf8(uint32_t c, unsigned char *u) {
  if (c < 0x80) { u[0] = (unsigned char)c; return 1; }
  if (c < 0x800) {
    u[0] = (unsigned char)(0xc0 | c >> 6);
    u[1] = (unsigned char)(0x80 | (c & 0x3f));
    return 2;
  }
  if (c < 0x10000) {
    u[0] = (unsigned char)(0xe0 | c >> 12);
    u[1] = (unsigned char)(0x80 | (c >> 6 & 0x3f));
    u[2] = (unsigned char)(0x80 | (c & 0x3f));
    return 3;
  }
  u[0] = (unsigned char)(0xf0 | c >> 18);
  u[1] = (unsigned char)(0x80 | (c >> 12 & 0x3f));
  u[2] = (unsigned char)(0x80 | (c >> 6 & 0x3f));
  u[3] = (unsigned char)(0x80 | (c & 0x3f));
  return 4;
}

/* Whether the string body [s, e) (from json_string) decodes to `lit`. */
DLC_JSON_FN int json_string_is(const unsigned char *s, const unsigned char *e,
                               const char *lit) {
  const unsigned char *l = (const unsigned char *)lit;
  while (s < e) {
    unsigned char u[4];
    int n = json_utf8(json_next_char(&s), u);
    for (int i = 0; i < n; ++i, ++l)
      if (!*l || *l != u[i]) /* "\u0000" never matches the terminator */
        return 0;
  }
  return *l == 0;
}

#define JSON_DIGIT(p, end) ((p) < (end) && *(p) >= '0' && *(p) <= '9')

/* -? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)? */
DLC_JSON_FN int json_number(json *j) {
  const unsigned char *p = j->p, *end = j->end;
  const char *why = 0;
  if (p < end && *p == '-')
    ++p;
  if (!JSON_DIGIT(p, end)) {
    why = "invalid number";
  } else if (*p == '0') {
    ++p;
    if (JSON_DIGIT(p, end))
      why = "leading zero in a number";
  } else {
    while (JSON_DIGIT(p, end))
      ++p;
  }
  if (!why && p < end && *p == '.') {
    ++p;
    if (!JSON_DIGIT(p, end))
      why = "a fraction needs digits after '.'";
    while (JSON_DIGIT(p, end))
      ++p;
  }
  if (!why && p < end && (*p == 'e' || *p == 'E')) {
    ++p;
    if (p < end && (*p == '+' || *p == '-'))
      ++p;
    if (!JSON_DIGIT(p, end))
      why = "an exponent needs digits";
    while (JSON_DIGIT(p, end))
      ++p;
  }
  j->p = p;
  return why ? json_fail(j, why) : 1;
}

/* A JSON number that is an integer in [0, 2^63). */
DLC_JSON_FN int json_uint(json *j, uint64_t *v) {
  int c = json_peek(j);
  const unsigned char *start = j->p;
  if (c != '-' && (c < '0' || c > '9'))
    return json_fail(j, "expected a non-negative integer");
  if (!json_number(j))
    return 0;
  uint64_t x = 0;
  for (const unsigned char *p = start; p < j->p; ++p) {
    if (*p < '0' || *p > '9') {
      j->p = start;
      return json_fail(j, "expected a non-negative integer");
    }
    if (x > (0x7fffffffffffffffULL - (*p - '0')) / 10) {
      j->p = start;
      return json_fail(j, "integer too large");
    }
    x = x * 10 + (uint64_t)(*p - '0');
  }
  *v = x;
  return 1;
}

static int json_literal(json *j, const char *lit) {
  const unsigned char *p = j->p;
  for (; *lit; ++lit, ++p)
    if (p >= j->end || *p != (unsigned char)*lit)
      return json_fail(j, "invalid literal (the words are true, false, null)");
  j->p = p;
  return 1;
}

/* Total order on keys: hash, then decoded characters. */
static int json_key_cmp(const unsigned char *base, json_key a, json_key b) {
  if (a.hash != b.hash)
    return a.hash < b.hash ? -1 : 1;
  const unsigned char *p = base + a.pos + 1, *q = base + b.pos + 1;
  for (;;) {
    int pe = *p == '"', qe = *q == '"'; /* an unescaped quote ends a body */
    if (pe || qe)
      return qe - pe;
    uint32_t x = json_next_char(&p), y = json_next_char(&q);
    if (x != y)
      return x < y ? -1 : 1;
  }
}

/* Heapsort: O(n log n) however hostile the keys, and no recursion. */
static void json_sift(const unsigned char *base, json_key *a, size_t i,
                      size_t n) {
  for (;;) {
    size_t m = i, l = 2 * i + 1, r = l + 1;
    if (l < n && json_key_cmp(base, a[l], a[m]) > 0) m = l;
    if (r < n && json_key_cmp(base, a[r], a[m]) > 0) m = r;
    if (m == i)
      return;
    json_key t = a[i];
    a[i] = a[m];
    a[m] = t;
    i = m;
  }
}

/* Checks the keys of the object that opened when num_keys was `first`, and
 * pops them. */
static int json_unique(json *j, size_t first) {
  size_t n = j->num_keys - first;
  j->num_keys = first;
  if (n < 2) /* and j->keys may be NULL */
    return 1;
  json_key *a = j->keys + first;
  for (size_t i = n / 2; i-- > 0;)
    json_sift(j->begin, a, i, n);
  for (size_t k = n; k-- > 1;) {
    json_key t = a[0];
    a[0] = a[k];
    a[k] = t;
    json_sift(j->begin, a, 0, k);
  }
  for (size_t i = 1; i < n; ++i)
    if (json_key_cmp(j->begin, a[i - 1], a[i]) == 0) {
      /* Report the later of the two. */
      uint32_t pos = a[i].pos > a[i - 1].pos ? a[i].pos : a[i - 1].pos;
      j->dup = j->begin + pos;
      j->p = j->dup;
      return json_fail(j, "a key appears twice in one object");
    }
  return 1;
}

static int json_push_key(json *j, const unsigned char *quote, uint32_t hash) {
  if ((size_t)(quote - j->begin) > 0xffffffffu)
    return json_fail(j, "too large to check for repeated keys (over 4 GiB)");
  if (j->num_keys == j->cap_keys) {
    size_t cap = j->cap_keys ? 2 * j->cap_keys : 16;
    json_key *k = (json_key *)realloc(j->keys, cap * sizeof *k);
    if (!k) {
      j->out_of_memory = 1;
      return json_fail(j, "out of memory");
    }
    j->keys = k;
    j->cap_keys = cap;
  }
  j->keys[j->num_keys].pos = (uint32_t)(quote - j->begin);
  j->keys[j->num_keys].hash = hash;
  ++j->num_keys;
  return 1;
}

DLC_JSON_FN int json_value(json *j);

static int json_enter(json *j) {
  if (++j->depth > DLC_JSON_MAX_DEPTH)
    return json_fail(j, "nested too deeply");
  ++j->p;
  return 1;
}

static int json_array(json *j) {
  if (!json_enter(j))
    return 0;
  if (!json_take(j, ']')) {
    do {
      if (!json_value(j))
        return 0;
    } while (json_take(j, ','));
    if (!json_expect(j, ']', "expected ',' or ']' in an array"))
      return 0;
  }
  --j->depth;
  return 1;
}

static int json_object(json *j) {
  if (!json_enter(j))
    return 0;
  size_t first = j->num_keys;
  if (!json_take(j, '}')) {
    do {
      const unsigned char *s, *e;
      uint32_t h;
      json_ws(j);
      const unsigned char *quote = j->p;
      if (!json_string(j, &s, &e, &h))
        return 0;
      if ((j->flags & DLC_JSON_UNIQUE_KEYS) && !json_push_key(j, quote, h))
        return 0;
      if (!json_expect(j, ':', "expected ':' after a key") || !json_value(j))
        return 0;
    } while (json_take(j, ','));
    if (!json_expect(j, '}', "expected ',' or '}' in an object"))
      return 0;
  }
  if ((j->flags & DLC_JSON_UNIQUE_KEYS) && !json_unique(j, first))
    return 0;
  --j->depth;
  return 1;
}

/* Any value, after optional whitespace. */
DLC_JSON_FN int json_value(json *j) {
  const unsigned char *s, *e;
  uint32_t h;
  int c = json_peek(j);
  switch (c) {
  case '{': return json_object(j);
  case '[': return json_array(j);
  case '"': return json_string(j, &s, &e, &h);
  case 't': return json_literal(j, "true");
  case 'f': return json_literal(j, "false");
  case 'n': return json_literal(j, "null");
  case -1: return json_fail(j, "unexpected end of input");
  default:
    if (c == '-' || (c >= '0' && c <= '9'))
      return json_number(j);
    return json_fail(j, "expected a value");
  }
}

/* A JSON text: one value, optionally surrounded by whitespace. */
DLC_JSON_FN int json_document(json *j) {
  if (!json_value(j))
    return 0;
  json_ws(j);
  return j->p == j->end ? 1
                        : json_fail(j, "trailing characters after the value");
}

/* The validator on its own (test/Runtime/json_suite.c): 1 if `buf` is one
 * JSON text, else 0 with "byte N: why" in `err`. `flags`: 0, or
 * DLC_JSON_UNIQUE_KEYS. */
DLC_JSON_FN int dlc_json_validate(const char *buf, size_t len, int flags,
                                  char *err, size_t errlen) {
  json j;
  json_init(&j, buf, len, flags);
  int ok = json_document(&j);
  if (!ok && err && errlen) {
    char num[24], *d = num + sizeof num;
    size_t at = (size_t)(j.error_at - j.begin), n = 0;
    *--d = 0;
    do
      *--d = (char)('0' + at % 10);
    while (at /= 10);
    const char *parts[3] = {"byte ", d, ": "};
    for (int i = 0; i < 4; ++i)
      for (const char *c = i < 3 ? parts[i] : j.error; *c && n + 1 < errlen;)
        err[n++] = *c++;
    err[n] = 0;
  }
  json_release(&j);
  return ok;
}

#endif /* DLC_JSON_H */
