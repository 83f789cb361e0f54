/* The review queue (the page holding the {review-queue} directive).
 *
 * quizlib.js queues every practice question a student gets wrong or partly right, on any
 * page, in localStorage ("quizlib:review": the question as rendered, where it came from,
 * and a log of [time, rating]). Here the log is replayed through FSRS (ts-fsrs, loaded
 * before this file as window.FSRS) to find each question's due date; due questions are
 * shown and graded with quizlib.setupQuestion, so with the same grade() as the page
 * quizzes, and each first Check on this page adds a rating: right = Good, partly right =
 * Hard, wrong = Again. Nothing is sent anywhere. Time comes from Date.now(), which tests
 * control with Playwright's clock.
 */
(function () {
  "use strict";
  var root = document.querySelector(".qz-rv-body");
  if (!root || !window.quizlib || !window.FSRS) return;
  var Q = window.quizlib, R = Q.review, el = Q.ui.el, F = window.FSRS;
  /* Days, not minutes (enable_short_term off): a course is read over weeks, so a missed
     question returns the next day rather than in one minute. No fuzz: the same history gives
     the same dates on every device. */
  var scheduler = F.fsrs(F.generatorParameters({ enable_fuzz: false, enable_short_term: false }));
  var DAY = 864e5, MAX_SHOWN = 20;
  root.parentNode.classList.add("qz-js");

  function valid(card) {
    return card && typeof card.html === "string" && Array.isArray(card.log) && card.log.length &&
      card.log.every(function (e) { return Array.isArray(e) && isFinite(e[0]) && [1, 2, 3, 4].indexOf(e[1]) >= 0; });
  }
  function state(card) {
    var c = F.createEmptyCard(new Date(card.log[0][0]));
    card.log.forEach(function (e) { c = scheduler.next(c, new Date(e[0]), e[1]).card; });
    return c;
  }
  function day(date) { return date.toLocaleDateString(undefined, { weekday: "short", day: "numeric", month: "short" }); }
  function when(date) {
    var days = Math.max(1, Math.round((date.getTime() - Date.now()) / DAY));
    return "in " + days + " day" + (days === 1 ? "" : "s") + " (" + day(date) + ")";
  }
  function plural(n, word) { return n + " " + word + (n === 1 ? "" : "s"); }

  function mount(item, index) {
    var tpl = document.createElement("template");
    tpl.innerHTML = item.card.html;
    var form = tpl.content.querySelector("form.qz-q");
    if (!form) return null;
    var id = "qz-rv-" + index;  /* unique names: radio groups from different pages must not merge */
    form.id = id;
    Array.prototype.forEach.call(form.querySelectorAll("input"), function (i) { i.name = id; });
    var box = el("article", { "class": "qz-rv-card" });
    var from = el("p", { "class": "qz-rv-from" });
    from.appendChild(document.createTextNode("From "));
    from.appendChild(el("a", { href: item.card.url }, item.card.title || "a practice quiz"));
    if (item.card.n) from.appendChild(document.createTextNode(", question " + item.card.n));
    var next = el("p", { "class": "qz-rv-next", role: "status", "aria-live": "polite" });
    box.appendChild(from); box.appendChild(form); box.appendChild(next);
    var rated = false;
    Q.setupQuestion(form, {
      onResult: function (v, r) {
        if (r.status === "unanswered" || rated) return;
        rated = true;  /* one rating per visit: a second try after seeing feedback is practice, not recall */
        var s = R.load(), card = s.cards[item.gid];
        if (!valid(card)) return;
        card.log.push([Date.now(), r.correct ? R.RATING.good : r.score > 0 ? R.RATING.hard : R.RATING.again]);
        R.save(s);
        next.textContent = "Next review of this question " + when(state(card).due) + ".";
      }
    });
    return box;
  }

  function forgetControls(summary) {
    var wrap = el("div", { "class": "qz-rv-forget" });
    var ask = el("button", { type: "button" }, "Forget my progress");
    var confirm = el("div", { "class": "qz-rv-confirm", role: "group", "aria-label": "Confirm forgetting" });
    confirm.hidden = true;
    confirm.appendChild(el("p", {}, "This removes your review queue and every saved practice-quiz answer from this browser. It cannot be undone."));
    var yes = el("button", { type: "button" }, "Yes, forget everything");
    var no = el("button", { type: "button" }, "Cancel");
    confirm.appendChild(yes); confirm.appendChild(no);
    ask.addEventListener("click", function () { confirm.hidden = false; no.focus(); });
    no.addEventListener("click", function () { confirm.hidden = true; ask.focus(); });
    yes.addEventListener("click", function () {
      try {
        for (var i = localStorage.length - 1; i >= 0; i--) {
          var k = localStorage.key(i);
          if (k && k.indexOf("quizlib:") === 0) localStorage.removeItem(k);
        }
      } catch (e) { /* storage unavailable: nothing was kept */ }
      render("Your progress is forgotten: nothing from the practice quizzes is kept in this browser any more.");
    });
    wrap.appendChild(ask); wrap.appendChild(confirm);
    return wrap;
  }

  function render(message) {
    var s = R.load(), now = Date.now(), due = [], later = [];
    Object.keys(s.cards).forEach(function (gid) {
      var card = s.cards[gid];
      if (!valid(card)) return;
      var item = { gid: gid, card: card, due: state(card).due };
      (item.due.getTime() <= now ? due : later).push(item);
    });
    due.sort(function (a, b) { return a.due - b.due; });
    later.sort(function (a, b) { return a.due - b.due; });
    root.textContent = "";
    var summary = el("p", { "class": "qz-rv-summary", tabindex: "-1" });
    if (message) summary.textContent = message + " ";
    if (!due.length && !later.length) {
      summary.appendChild(document.createTextNode("Nothing to review yet. When you get a practice question wrong or " +
        "only partly right on any page, it comes back here after a spaced interval."));
    } else {
      summary.appendChild(document.createTextNode(plural(due.length, "question") + " due now." +
        (later.length ? " " + plural(later.length, "more question") + " scheduled; the next is due " + when(later[0].due) + "." : "")));
    }
    root.appendChild(summary);
    due.slice(0, MAX_SHOWN).forEach(function (item, i) {
      var box = mount(item, i);
      if (box) root.appendChild(box);
    });
    if (due.length > MAX_SHOWN) root.appendChild(el("p", {}, (due.length - MAX_SHOWN) + " more are due: come back after these."));
    root.appendChild(forgetControls(summary));
    if (message) summary.focus();
  }

  render();
})();
