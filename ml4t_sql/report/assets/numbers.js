// The pages' one number format (ml4t_sql/format.py's rules, in JS), inlined before each page's
// script (ml4t_sql.report.common.page_script): percent, ratio, money; a value that rounds to zero
// has no sign (never -0.0%), a missing one is n/a. window.ml4tFormat.
(function () {
  "use strict";
  var unsigned = function (text) { return /^-[0.,]*$/.test(text) ? text.slice(1) : text; };
  var pct = function (v, digits) {
    return v == null ? "n/a" : unsigned((v * 100).toFixed(digits == null ? 2 : digits)) + "%";
  };
  var ratio = function (v, digits) { return v == null ? "n/a" : unsigned(v.toFixed(digits == null ? 2 : digits)); };
  var money = function (v) {
    return v == null ? "n/a" : unsigned(v.toLocaleString("en-US", { maximumFractionDigits: 0 }));
  };
  window.ml4tFormat = { unsigned: unsigned, pct: pct, ratio: ratio, money: money };
})();
