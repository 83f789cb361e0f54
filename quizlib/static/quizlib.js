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
  /* 1,961 or 1 961: groups of three, one separator throughout (grading.py's _GROUPED). */
  var GROUPED = /^[+-]?[0-9]{1,3}([, \u00a0\u202f])[0-9]{3}(?:\1[0-9]{3})*(?:\.[0-9]*)?$/;
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
      var g = typeof v === "string" && chars(v) <= 64 ? GROUPED.exec(trim(v)) : null;
      if (typeof v === "number") x = v;
      else if (typeof v === "string" && chars(v) <= 64 && NUMBER.test(trim(v))) x = Number(trim(v));
      else if (g) x = Number(trim(v).split(g[1]).join(""));
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
  function all(root, sel) { return Array.prototype.slice.call(root.querySelectorAll(sel)); }
  function fmt(x) { return String(Math.round(x * 100) / 100); }
  /* Printed options are lettered A, B, C ... (after Z: A2, B2 ...). */
  function letter(i) { return String.fromCharCode(65 + i % 26) + (i >= 26 ? String(Math.floor(i / 26) + 1) : ""); }
  function textOf(node) { return node ? node.textContent.replace(/\s+/g, " ").trim() : ""; }

  function readResponse(form, key) {
    var t = key.t;
    if (t === "single") { var c = form.querySelector("input:checked"); return c ? c.value : null; }
    if (t === "true_false") { var b = form.querySelector("input:checked"); return b ? b.value === "true" : null; }
    if (t === "multiple") return all(form, "input:checked").map(function (i) { return i.value; });
    if (t === "short" || t === "numeric") return form.querySelector("input[type=text]").value;
    if (t === "matching") {
      var m = {};
      all(form, "select").forEach(function (s) { if (s.value) m[s.name] = s.value; });
      return m;
    }
    return all(form, ".qz-r li").map(function (li) { return li.getAttribute("data-i"); });
  }

  function writeResponse(form, key, v) {
    var t = key.t;
    if (v === null || v === undefined) return;
    if (t === "single" || t === "true_false" || t === "multiple") {
      var want = [].concat(v).map(String);
      all(form, "input").forEach(function (i) { i.checked = want.indexOf(i.value) >= 0; });
    } else if (t === "short" || t === "numeric") form.querySelector("input[type=text]").value = v;
    else if (t === "matching") { all(form, "select").forEach(function (s) { s.value = v[s.name] || ""; }); syncChosen(form); }
    else {
      var list = form.querySelector(".qz-r");
      v.forEach(function (id) {
        var li = list.querySelector('li[data-i="' + id + '"]');
        if (li) list.appendChild(li);
      });
    }
  }

  /* A closed <select> cannot wrap a long choice; on a phone the chosen text is repeated below it. */
  function syncChosen(form) {
    all(form, ".qz-m select").forEach(function (s) {
      var out = s.parentNode.querySelector(".qz-mc");
      if (out) out.textContent = s.value ? textOf(s.options[s.selectedIndex]) : "";
    });
  }

  function setupMatching(form) {
    var box = form.querySelector(".qz-m");
    if (!box) return;
    all(box, "select").forEach(function (s) { s.parentNode.appendChild(el("span", { "class": "qz-mc", "aria-hidden": "true" })); });
    box.addEventListener("change", function (ev) {
      if (ev.target.tagName === "SELECT") ev.target.removeAttribute("aria-invalid");
      syncChosen(form);
    });
  }

  function setupOrdering(form) {
    var list = form.querySelector(".qz-r");
    if (!list) return;
    /* Screen readers hear where an item went: the buttons keep focus, so nothing else would say it. */
    var said = el("p", { "class": "qz-sr", role: "status", "aria-live": "polite" });
    list.parentNode.insertBefore(said, list.nextSibling);
    Array.prototype.forEach.call(list.children, function (li) {
      var label = textOf(li);
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
      var items = Array.prototype.slice.call(list.children);
      said.textContent = "Moved " + textOf(li.querySelector("span")) + " to position " + (items.indexOf(li) + 1) +
        " of " + items.length + ".";
      b.focus();  /* keep the keyboard user on the item they are moving */
    });
  }

  /* Wire one question card (a form.qz-q as quiz.html.j2 renders it): Check, Try again, Show answer
     and the live feedback. opts.onResult(v, r) runs after every Check, opts.onRetry() after Try again.
     Page quizzes and the review page both use it, so both grade with grade() above. */
  function setupQuestion(form, opts) {
    var key = JSON.parse(form.getAttribute("data-key")), pts = Number(form.getAttribute("data-pts"));
    var details = form.querySelector(".qz-d"), fieldset = form.querySelector("fieldset");
    var bar = el("div", { "class": "qz-b" });
    bar.appendChild(el("button", { type: "submit" }, "Check"));
    var retry = el("button", { type: "button" }, "Try again");
    var show = el("button", { type: "button" }, "Show answer");
    bar.appendChild(retry); bar.appendChild(show);
    var live = el("div", { "class": "qz-f", role: "status", "aria-live": "polite" });
    fieldset.insertBefore(bar, details); fieldset.insertBefore(live, details);
    setupOrdering(form); setupMatching(form);
    opts = opts || {};

    function clear() {
      form.classList.remove("qz-right", "qz-wrong", "qz-part");
      live.textContent = "";
      all(form, ".qz-m select").forEach(function (s) { s.removeAttribute("aria-invalid"); });
    }

    function wrongPairs(v) {
      var wrong = [];
      all(form, ".qz-m select").forEach(function (s) {
        if (v[s.name] === s.name) return;
        s.setAttribute("aria-invalid", "true");
        var text = textOf(s.parentNode.querySelector("span"));
        wrong.push(v[s.name] ? text : text + " (no match chosen)");
      });
      live.appendChild(el("p", {}, (key.p.length - wrong.length) + " of " + key.p.length + " pairs right. Look again at:"));
      var ul = el("ul", { "class": "qz-mw" });
      wrong.forEach(function (w) { ul.appendChild(el("li", {}, w)); });
      live.appendChild(ul);
    }

    function showResult(r, v) {
      clear();
      if (r.status === "unanswered") {  /* nothing chosen is not a wrong answer */
        var verb = key.t === "short" || key.t === "numeric" ? "Type" : "Choose";
        live.appendChild(el("p", { "class": "qz-v" }, verb + " an answer first, then press Check."));
        return;
      }
      form.classList.add(r.correct ? "qz-right" : r.score > 0 ? "qz-part" : "qz-wrong");
      live.appendChild(el("p", { "class": "qz-v" },
        (r.correct ? "\u2713 Correct" : r.score > 0 ? "\u25D1 Partly correct" : "\u2717 Not correct") +
        ": " + fmt(r.score) + " of " + fmt(pts) + " point" + (pts === 1 ? "" : "s") + "."));
      if (r.reason && r.status !== "graded") live.appendChild(el("p", {}, "Answer not accepted: " + r.reason + "."));
      if (key.t === "matching" && r.status === "graded" && !r.correct) wrongPairs(v);
      r.feedback.forEach(function (k) {
        var li = details.querySelector('li[data-o="' + k + '"]');
        if (li) { var p = el("p", { "class": "qz-c" }); p.innerHTML = li.innerHTML; live.appendChild(p); }
      });
      live.appendChild(details.querySelector(".qz-x").cloneNode(true));
      var src = details.querySelector(".qz-s");
      if (src) live.appendChild(src.cloneNode(true));
    }

    function check() {
      var v = readResponse(form, key), r = grade(key, v, pts);
      showResult(r, v);
      if (opts.onResult) opts.onResult(v, r);
      return r;
    }

    form.addEventListener("submit", function (ev) { ev.preventDefault(); check(); });
    retry.addEventListener("click", function () {
      form.reset(); syncChosen(form); clear();
      details.classList.remove("qz-open"); details.open = false;
      if (opts.onRetry) opts.onRetry();
      var first = form.querySelector("input, select, button");
      if (first) first.focus();
    });
    show.addEventListener("click", function () {
      details.classList.add("qz-open"); details.open = true;
      details.querySelector("summary").focus();
    });
    return { key: key, pts: pts, gid: form.getAttribute("data-q"), form: form, showResult: showResult };
  }

  /* ---- paper: the answer section after the questions ----------------------------------- */

  /* The answer as printed: letters in the order the paper shows options, pairs and items. */
  function printedAnswer(form, key) {
    var shown = all(form, ".qz-o input").map(function (i) { return i.value; });
    if (key.t === "single") return letter(shown.indexOf(key.c));
    if (key.t === "true_false") return letter(shown.indexOf(String(key.c)));
    if (key.t === "multiple")
      return key.c.map(function (id) { return shown.indexOf(id); }).sort(function (a, b) { return a - b; }).map(letter).join(", ");
    if (key.t === "matching") {
      var rights = all(form, ".qz-m select")[0];
      rights = Array.prototype.slice.call(rights.options, 1).map(function (o) { return o.value; });
      return all(form, ".qz-m select").map(function (s, i) { return (i + 1) + "\u2013" + letter(rights.indexOf(s.name)); }).join(", ");
    }
    if (key.t === "ordering") {
      var items = all(form, ".qz-r li").map(function (li) { return li.getAttribute("data-i"); });
      return key.k.map(function (id) { return letter(items.indexOf(id)); }).join(", ");
    }
    return "";
  }

  function buildKey(section, forms) {
    var box = section.querySelector(".qz-key") || section.appendChild(el("div", { "class": "qz-key" }));
    box.textContent = "";
    box.appendChild(el("p", { "class": "qz-kh" }, "Answers and explanations"));
    forms.forEach(function (form, i) {
      var key = JSON.parse(form.getAttribute("data-key")), d = form.querySelector(".qz-d");
      var item = el("div", { "class": "qz-ka" }), head = el("p");
      head.appendChild(el("strong", {}, "Question " + (i + 1) + ". "));
      var letters = printedAnswer(form, key);
      head.appendChild(document.createTextNode("Answer: " + (letters ? letters + " \u2014 " : "")));
      var text = el("span"); text.innerHTML = d.querySelector(".qz-kt").innerHTML; head.appendChild(text);
      item.appendChild(head);
      item.appendChild(d.querySelector(".qz-x").cloneNode(true));
      var src = d.querySelector(".qz-s");
      if (src) item.appendChild(el("p", {}, "Reread: " + textOf(src.querySelector("a"))));
      box.appendChild(item);
    });
  }

  /* ---- the review queue (read by quizlib-review.js on the Review page) ------------------ */

  var REVIEW = "quizlib:review";
  var RATING = { again: 1, hard: 2, good: 3 };  /* ts-fsrs's Rating values */
  var review = {
    load: function () {
      try {
        var s = JSON.parse(localStorage.getItem(REVIEW));
        if (isObj(s) && s.v === 1 && isObj(s.cards)) return s;
      } catch (e) { /* unreadable: start afresh */ }
      return { v: 1, cards: {} };
    },
    save: function (s) { try { localStorage.setItem(REVIEW, JSON.stringify(s)); } catch (e) { /* private mode */ } },
    /* The question as first rendered, links made absolute so it works on any page of the site. */
    snapshot: function (form) {
      var c = form.cloneNode(true);
      all(c, "a[href]").forEach(function (a) { a.setAttribute("href", a.href); });
      all(c, "img[src]").forEach(function (img) { img.setAttribute("src", img.src); });
      c.removeAttribute("id");
      return c.outerHTML;
    },
    pageTitle: function () {
      var h = document.querySelector("h1");
      if (!h) return document.title;
      h = h.cloneNode(true);
      all(h, ".headerlink").forEach(function (a) { a.remove(); });
      return textOf(h);
    },
    /* A question missed (or partly right) in a page quiz joins the queue with its first rating;
       later reviews happen on the Review page. A card already queued only gets a fresh snapshot. */
    add: function (gid, pristine, number, r) {
      var s = review.load(), card = s.cards[gid];
      if (!card) {
        card = s.cards[gid] = { log: [[Date.now(), r.score > 0 ? RATING.hard : RATING.again]] };
      }
      card.html = review.snapshot(pristine); card.url = location.href.split("#")[0];
      card.title = review.pageTitle(); card.n = number;
      review.save(s);
    },
    refresh: function (gid, pristine) {
      var s = review.load(), card = s.cards[gid];
      if (!card) return;
      var html = review.snapshot(pristine);
      if (card.html !== html) { card.html = html; review.save(s); }
    },
    RATING: RATING
  };

  function Quiz(section) {
    var store = "quizlib:" + location.pathname + ":" + section.getAttribute("data-store");
    var state = load();
    var forms = all(section, "form.qz-q");
    var scoreEl = section.querySelector(".qz-score");
    var total = forms.reduce(function (s, f) { return s + Number(f.getAttribute("data-pts")); }, 0);
    section.classList.add("qz-js");

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

    forms.forEach(function (form, i) {
      var gid = form.getAttribute("data-q"), pristine = form.cloneNode(true);
      var q = setupQuestion(form, {
        onResult: function (v, r) {
          if (r.status === "unanswered") { delete state.a[gid]; delete state.r[gid]; }
          else { state.a[gid] = v; state.r[gid] = r.score; }
          save(); updateScore();
          if (r.status !== "unanswered" && !r.correct) review.add(gid, pristine, i + 1, r);
        },
        onRetry: function () { delete state.a[gid]; delete state.r[gid]; save(); updateScore(); }
      });
      review.refresh(gid, pristine);
      if (gid in state.a) {
        writeResponse(form, q.key, state.a[gid]);
        if (gid in state.r) q.showResult(grade(q.key, state.a[gid], q.pts), state.a[gid]);
      }
    });
    if (Object.keys(state.r).length) updateScore();
    buildKey(section, forms);
    window.addEventListener("beforeprint", function () { buildKey(section, forms); });
  }

  function init() {
    all(document, "section.qz").forEach(function (s) { new Quiz(s); });
  }

  window.quizlib = { grade: grade, normalize: normalize, setupQuestion: setupQuestion, review: review,
    /* shared with quizlib-graded.js, which renders service-held quizzes with the same controls */
    ui: { el: el, fmt: fmt, blank: blank, readResponse: readResponse, writeResponse: writeResponse,
          setupOrdering: setupOrdering, MAX_CHARS: MAX_CHARS } };
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
})();
