/* Values: repr() and str() as Python prints them, equality, ownership. */
#include "test.h"

TEST(value_repr_matches_python) {
  /* Each expected string is what CPython 3.11 prints for repr() of the same value. */
  CHECK_REPR(yl_none(), "None");
  CHECK_REPR(yl_bool(true), "True");
  CHECK_REPR(yl_int(-9223372036854775807LL - 1), "-9223372036854775808");
  CHECK_REPR(yl_float(0.1), "0.1");
  CHECK_REPR(yl_float(2.5), "2.5");
  CHECK_REPR(yl_float(-0.0), "-0.0");
  CHECK_REPR(yl_float(100.0), "100.0");
  CHECK_REPR(yl_float(1e15), "1000000000000000.0");
  CHECK_REPR(yl_float(1e16), "1e+16");
  CHECK_REPR(yl_float(1.5e16), "1.5e+16");
  CHECK_REPR(yl_float(0.0001), "0.0001");
  CHECK_REPR(yl_float(0.00001), "1e-05");
  CHECK_REPR(yl_float(1.0 / 3), "0.3333333333333333");
  CHECK_REPR(yl_float(123456789.125), "123456789.125");
  CHECK_REPR(yl_float(1e300 * 1e10), "inf");
  CHECK_REPR(yl_str("a'b"), "\"a'b\"");
  CHECK_REPR(yl_str("a'b\""), "'a\\'b\"'");
  CHECK_REPR(yl_str("tab\there\n"), "'tab\\there\\n'");
  CHECK_REPR(yl_str("\x01"), "'\\x01'");
}

TEST(value_str_and_exceptions) {
  char buf[64];
  yl_value_t k = yl_exc_value(yl_exc_new(yl_KeyError, "key"));
  yl_value_str(k, buf, sizeof buf);
  CHECK_STR(buf, "'key'"); /* str(KeyError('key')) */
  CHECK_EXC(k, "KeyError: 'key'");
  CHECK_REPR(k, "KeyError('key')");
  yl_value_t v = yl_exc_value(yl_exc_new(yl_ValueError, "bad %d", 7));
  yl_value_str(v, buf, sizeof buf);
  CHECK_STR(buf, "bad 7");
  CHECK(yl_value_is_exc(v, yl_Exception));
  CHECK(!yl_value_is_exc(v, yl_LookupError));
  CHECK(yl_value_is_exc(k, yl_LookupError));
  yl_exc_t *ge = yl_exc_new(yl_GeneratorExit, NULL);
  CHECK(!yl_exc_matches(ge, yl_Exception)); /* GeneratorExit is a BaseException */
  CHECK(yl_exc_matches(ge, yl_BaseException));
  yl_exc_free(ge);
  yl_value_drop(k);
  yl_value_drop(v);
}

TEST(value_equality_and_ownership) {
  CHECK(yl_value_eq(yl_int(1), yl_float(1.0)));
  CHECK(yl_value_eq(yl_bool(true), yl_int(1)));
  CHECK(!yl_value_eq(yl_int(1), yl_str("1")));
  yl_value_t a = yl_str_fmt("n=%d", 5), b = yl_value_clone(a);
  CHECK(a.as.s != b.as.s);
  CHECK(yl_value_eq(a, b));
  yl_value_drop(a);
  yl_value_drop(b);
  yl_value_drop(yl_str("borrowed")); /* a no-op */
}
