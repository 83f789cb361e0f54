/* quizlib practice quizzes: grading in the page, feedback, progress in localStorage.
 *
 * grade() mirrors quizlib/grading.py rule for rule (normalisation, tolerance,
 * partial credit, what counts as invalid); tests/test_e2e_parity.py grades the
 * same responses through both and compares every score. Change one, change both.
 * Practice quizzes need no network: their answer key is in the page. Graded quizzes
 * (section.qz-g, quizlib-graded.js) hold no answers. No framework.
 */
(function () {
  "use strict";

  var WS = /^[ \t\n\r\f\v]+|[ \t\n\r\f\v]+$/g;
  var NUMBER = /^[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?$/;
  var MAX_CHARS = 1000;

  function trim(s) { return s.replace(WS, ""); }
  function isObj(v) { return v !== null && typeof v === "object" && !Array.isArray(v); }
  function chars(s) { return Array.from(s).length; }  /* code points, as Python's len() */

  /* normalize_text(): lower, NFKD, drop marks, punctuation/symbols/separators/controls to spaces. */
  function normalize(s) {
    return s.toLowerCase().normalize("NFKD").replace(/\p{M}/gu, "")
      .replace(/[\p{P}\p{S}\p{Z}\p{C}]/gu, " ").split(" ").filter(Boolean).join(" ");
  }

  function Invalid(reason) { this.reason = reason; }
  function desc(v) {
    var t;
    try { t = JSON.stringify(v); } catch (e) { t = String(v); }
    t = t === undefined ? String(v) : t;
    return t.length <= 40 ? t : t.slice(0, 37) + "...";
  }
  function idList(v, known, what) {
    if (!Array.isArray(v)) throw new Invalid("expected a list of " + what + " ids, got " + desc(v));
    v.forEach(function (x) {
      if (typeof x !== "string") throw new Invalid("expected " + what + " ids, got " + desc(x));
      if (known.indexOf(x) < 0) throw new Invalid("unknown " + what + " " + desc(x));
    });
    return v;
  }

  /* Each returns [fraction, feedback keys]. */
  var GRADERS = {
    single: function (k, v) {
      if (typeof v !== "string") throw new Invalid("expected an option id, got " + desc(v));
      if (k.o.indexOf(v) < 0) throw new Invalid("unknown option " + desc(v));
      return [v === k.c ? 1 : 0, [v]];
    },
    multiple: function (k, v) {
      var chosen = idList(v, k.o, "option"), right = 0, wrong = 0;
      k.o.forEach(function (id) {
        if (chosen.indexOf(id) < 0) return;
        if (k.c.indexOf(id) >= 0) right++; else wrong++;
      });
      var f = k.s === "all_or_nothing" ? (right === k.c.length && wrong === 0 ? 1 : 0)
        : Math.max(0, (right - wrong) / k.c.length);
      return [f, k.o.filter(function (id) { return chosen.indexOf(id) >= 0; })];
    },
    true_false: function (k, v) {
      if (typeof v === "string") {
        var w = trim(v).toLowerCase();
        if (w === "true" || w === "false") v = w === "true";
      }
      if (typeof v !== "boolean") throw new Invalid("expected true or false, got " + desc(v));
      return [v === k.c ? 1 : 0, [String(v)]];
    },
    short: function (k, v) {
      if (typeof v !== "string") throw new Invalid("expected text, got " + desc(v));
      if (chars(v) > MAX_CHARS) throw new Invalid("answer longer than " + MAX_CHARS + " characters");
      var given = k.n ? normalize(v) : trim(v), best = null, fb = [];
      k.a.forEach(function (a, i) {
        var hit;
        if (a[0][0] === "t") hit = given === (k.n ? normalize(a[0][1]) : trim(a[0][1]));
        else {
          try { hit = new RegExp("^(?:" + a[0][1] + ")$", "i").test(given); } catch (e) { hit = false; }
        }
        if (hit && (best === null || a[1] > best)) { best = a[1]; fb = ["a" + i]; }
      });
      return [best || 0, fb];
    },
    numeric: function (k, v) {
      var x;
      if (typeof v === "number") x = v;
      else if (typeof v === "string" && chars(v) <= 64 && NUMBER.test(trim(v))) x = Number(trim(v));
      else throw new Invalid("expected a number, got " + desc(v));
      if (!isFinite(x)) throw new Invalid("expected a finite number");
      var allowed = k.rel ? k.tol * Math.abs(k.v) : k.tol;
      return [Math.abs(x - k.v) <= allowed ? 1 : 0, []];
    },
    matching: function (k, v) {
      if (!isObj(v)) throw new Invalid("expected a mapping of left ids to right ids, got " + desc(v));
      Object.keys(v).forEach(function (left) {
        var r = v[left];
        if (k.p.indexOf(left) < 0) throw new Invalid("unknown left item " + desc(left));
        if (r !== null && (typeof r !== "string" || k.r.indexOf(r) < 0)) throw new Invalid("unknown right item " + desc(r));
      });
      var ok = k.p.filter(function (p) { return v[p] === p; }).length;
      return [ok / k.p.length, []];
    },
    ordering: function (k, v) {
      var order = idList(v, k.k, "item");
      var distinct = order.filter(function (x, i) { return order.indexOf(x) === i; });
      if (order.length !== k.k.length || distinct.length !== k.k.length)
        throw new Invalid("expected every item exactly once (" + k.k.length + " items)");
      if (k.s === "all_or_nothing") return [order.join("\u0000") === k.k.join("\u0000") ? 1 : 0, []];
      var n = k.k.length, good = 0;
      for (var i = 0; i < n; i++) for (var j = i + 1; j < n; j++)
        if (order.indexOf(k.k[i]) < order.indexOf(k.k[j])) good++;
      return [good / (n * (n - 1) / 2), []];
    }
  };

  function blank(v) {
    return v === null || v === undefined || (typeof v === "string" && !trim(v)) ||
      (Array.isArray(v) && !v.length) || (isObj(v) && !Object.keys(v).length);
  }

  /* grade(key, response, points) -> {score, fraction, correct, status, reason, feedback} */
  function grade(key, v, points) {
    var pts = points === undefined ? 1 : points;
    function out(f, status, reason, fb) {
      f = Math.min(1, Math.max(0, f));
      return { score: f * pts, fraction: f, correct: f === 1, status: status, reason: reason || null, feedback: fb || [] };
    }
    if (blank(v)) return out(0, "unanswered", "no answer given");
    try {
      var r = GRADERS[key.t](key, v);
      return out(r[0], "graded", null, r[1]);
    } catch (e) {
      if (e instanceof Invalid) return out(0, "invalid", e.reason);
      return out(0, "invalid", "unreadable answer");
    }
  }

  /* ---- the page ------------------------------------------------------- */

  function el(tag, attrs, text) {
    var e = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (a) { e.setAttribute(a, attrs[a]); });
    if (text) e.textContent = text;
    return e;
  }
  function fmt(x) { return String(Math.round(x * 100) / 100); }

  function readResponse(form, key) {
    var t = key.t, q = function (s) { return Array.prototype.slice.call(form.querySelectorAll(s)); };
    if (t === "single") { var c = form.querySelector("input:checked"); return c ? c.value : null; }
    if (t === "true_false") { var b = form.querySelector("input:checked"); return b ? b.value === "true" : null; }
    if (t === "multiple") return q("input:checked").map(function (i) { return i.value; });
    if (t === "short" || t === "numeric") return form.querySelector("input[type=text]").value;
    if (t === "matching") {
      var m = {};
      q("select").forEach(function (s) { if (s.value) m[s.name] = s.value; });
      return m;
    }
    return q(".qz-r li").map(function (li) { return li.getAttribute("data-i"); });
  }

  function writeResponse(form, key, v) {
    var t = key.t, q = function (s) { return Array.prototype.slice.call(form.querySelectorAll(s)); };
    if (v === null || v === undefined) return;
    if (t === "single" || t === "true_false" || t === "multiple") {
      var want = [].concat(v).map(String);
      q("input").forEach(function (i) { i.checked = want.indexOf(i.value) >= 0; });
    } else if (t === "short" || t === "numeric") form.querySelector("input[type=text]").value = v;
    else if (t === "matching") q("select").forEach(function (s) { s.value = v[s.name] || ""; });
    else {
      var list = form.querySelector(".qz-r");
      v.forEach(function (id) {
        var li = list.querySelector('li[data-i="' + id + '"]');
        if (li) list.appendChild(li);
      });
    }
  }

  function setupOrdering(form) {
    var list = form.querySelector(".qz-r");
    if (!list) return;
    Array.prototype.forEach.call(list.children, function (li) {
      var label = li.textContent;
      [["up", "\u2191", "Move up: "], ["down", "\u2193", "Move down: "]].forEach(function (d) {
        var b = el("button", { type: "button", "data-move": d[0], "aria-label": d[2] + label }, d[1]);
        li.appendChild(b);
      });
    });
    list.addEventListener("click", function (ev) {
      var b = ev.target.closest("button[data-move]");
      if (!b) return;
      var li = b.parentNode, up = b.getAttribute("data-move") === "up";
      var other = up ? li.previousElementSibling : li.nextElementSibling;
      if (!other) return;
      list.insertBefore(li, up ? other : other.nextSibling);
      b.focus();  /* keep the keyboard user on the item they are moving */
    });
  }

  function Quiz(section) {
    var self = this, store = "quizlib:" + location.pathname + ":" + section.getAttribute("data-store");
    var state = load();
    var forms = Array.prototype.slice.call(section.querySelectorAll("form.qz-q"));
    var scoreEl = section.querySelector(".qz-score");
    var total = forms.reduce(function (s, f) { return s + Number(f.getAttribute("data-pts")); }, 0);

    function load() {
      try { return JSON.parse(localStorage.getItem(store)) || { a: {}, r: {} }; } catch (e) { return { a: {}, r: {} }; }
    }
    function save() { try { localStorage.setItem(store, JSON.stringify(state)); } catch (e) { /* private mode */ } }
    function updateScore() {
      var got = 0, done = 0;
      Object.keys(state.r).forEach(function (id) { got += state.r[id]; done++; });
      scoreEl.hidden = false;
      scoreEl.textContent = "Score: " + fmt(got) + " of " + fmt(total) + " points (" + done + " of " +
        forms.length + " questions checked)";
    }

    forms.forEach(function (form) {
      var key = JSON.parse(form.getAttribute("data-key")), pts = Number(form.getAttribute("data-pts"));
      var gid = form.getAttribute("data-q"), details = form.querySelector(".qz-d");
      var fieldset = form.querySelector("fieldset");
      var bar = el("div", { "class": "qz-b" });
      bar.appendChild(el("button", { type: "submit" }, "Check"));
      var retry = el("button", { type: "button" }, "Try again");
      var show = el("button", { type: "button" }, "Show answer");
      bar.appendChild(retry); bar.appendChild(show);
      var live = el("div", { "class": "qz-f", role: "status", "aria-live": "polite" });
      fieldset.appendChild(bar); fieldset.appendChild(live);
      details.hidden = true;
      setupOrdering(form);

      function showResult(r) {
        form.classList.remove("qz-right", "qz-wrong", "qz-part");
        form.classList.add(r.correct ? "qz-right" : r.score > 0 ? "qz-part" : "qz-wrong");
        live.textContent = "";
        var head = el("p", { "class": "qz-v" },
          (r.correct ? "\u2713 Correct" : r.score > 0 ? "\u25D1 Partly correct" : "\u2717 Not correct") +
          ": " + fmt(r.score) + " of " + fmt(pts) + " point" + (pts === 1 ? "" : "s") + ".");
        live.appendChild(head);
        if (r.reason && r.status !== "graded") live.appendChild(el("p", {}, "Answer not accepted: " + r.reason + "."));
        r.feedback.forEach(function (k) {
          var li = details.querySelector('li[data-o="' + k + '"]');
          if (li) { var p = el("p", { "class": "qz-c" }); p.innerHTML = li.innerHTML; live.appendChild(p); }
        });
        if (r.status !== "unanswered") {
          live.appendChild(details.querySelector(".qz-x").cloneNode(true));
          var src = details.querySelector(".qz-s");
          if (src) live.appendChild(src.cloneNode(true));
        }
      }

      form.addEventListener("submit", function (ev) {
        ev.preventDefault();
        var v = readResponse(form, key), r = grade(key, v, pts);
        state.a[gid] = v;
        if (r.status === "unanswered") delete state.r[gid]; else state.r[gid] = r.score;
        save(); showResult(r); updateScore();
      });
      retry.addEventListener("click", function () {
        form.reset();
        delete state.a[gid]; delete state.r[gid]; save();
        form.classList.remove("qz-right", "qz-wrong", "qz-part");
        live.textContent = ""; details.hidden = true; updateScore();
        var first = form.querySelector("input, select, button");
        if (first) first.focus();
      });
      show.addEventListener("click", function () {
        details.hidden = false; details.open = true;
        details.querySelector("summary").focus();
      });

      if (gid in state.a) {
        writeResponse(form, key, state.a[gid]);
        if (gid in state.r) showResult(grade(key, state.a[gid], pts));
      }
    });
    if (Object.keys(state.r).length) updateScore();
    self.section = section;
  }


  function init() {
    Array.prototype.forEach.call(document.querySelectorAll("section.qz"), function (s) { new Quiz(s); });
  }

  window.quizlib = { grade: grade, normalize: normalize,
    /* shared with quizlib-graded.js, which renders service-held quizzes with the same controls */
    ui: { el: el, fmt: fmt, blank: blank, readResponse: readResponse, writeResponse: writeResponse,
          setupOrdering: setupOrdering, MAX_CHARS: MAX_CHARS } };
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
})();
