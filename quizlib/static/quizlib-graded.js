/* quizlib graded quizzes: the form, the key and the grading live on the grading service.
 *
 * Loaded after quizlib.js on pages with a graded-quiz directive (and on the service's own
 * /quiz/ID page); reuses its controls (window.quizlib.ui). The page holds only
 * <section class="qz-g" data-service data-quiz>. We follow the service's API
 * (quizlib/server/API.md):
 *
 * - sign-in: the link's token arrives in the fragment (#token=, never sent to any server;
 *   ?token= in older links), leaves the address bar at once, and is exchanged for a session
 *   (POST /api/v1/session) kept in sessionStorage: a bearer header, not a cookie, so the page
 *   also works inside an LMS iframe, where third-party cookies are blocked;
 * - an attempt: start or resume, autosave the whole sheet with an increasing seq, and submit
 *   only from the "Submit answers" button after a confirmation that says how many questions are
 *   unanswered and how many attempts remain (Enter in a field never submits);
 * - the countdown sits in a bar that stays in view while scrolling, and is announced to
 *   screen readers at 5 minutes and at 1 minute;
 * - results, once released: per question in the order shown, the prompt, the student's
 *   answer, the points, and (when no attempt remains) the correct answer, feedback and explanation.
 */
(function () {
  "use strict";
  var ui = window.quizlib.ui, el = ui.el, fmt = ui.fmt, blank = ui.blank, MAX_CHARS = ui.MAX_CHARS;
  var readResponse = ui.readResponse, writeResponse = ui.writeResponse, setupOrdering = ui.setupOrdering;
  var ANNOUNCE = [[300, "5 minutes left."], [60, "1 minute left."]];
  var exchanges = {};

  function uuid() {
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
    var b = new Uint8Array(16); crypto.getRandomValues(b);
    return Array.prototype.map.call(b, function (x) { return (x + 256).toString(16).slice(1); }).join("");
  }
  /* Values also kept in the page's memory: inside an LMS's frame (another site) a browser that blocks
     third-party storage refuses sessionStorage, and the session must still last as long as the page. */
  var memory = {};
  function kept(area, k, v) {
    var slot = area + " " + k, stored = null;
    if (v === undefined) {
      try { stored = window[area].getItem(k); } catch (e) { stored = null; }
      return stored !== null ? stored : (Object.prototype.hasOwnProperty.call(memory, slot) ? memory[slot] : null);
    }
    if (v === null) delete memory[slot]; else memory[slot] = v;
    try { if (v === null) window[area].removeItem(k); else window[area].setItem(k, v); } catch (e) { /* memory only */ }
    return null;
  }
  function plural(n, one, many) { return n + " " + (n === 1 ? one : many); }

  /* The link's token, taken out of the address before anything else happens (once per page). */
  function takeLinkToken() {
    var hash = new URLSearchParams(location.hash.replace(/^#/, "")), query = new URLSearchParams(location.search);
    var token = hash.get("token") || query.get("token");
    if (!token) return null;
    hash.delete("token"); query.delete("token");
    history.replaceState(null, "", location.pathname + (query.toString() ? "?" + query : "") +
      (hash.toString() ? "#" + hash : ""));
    return token;
  }

  function Graded(section, link) {
    var base = (section.getAttribute("data-service") || location.origin).replace(/\/+$/, "");
    var quizId = section.getAttribute("data-quiz"), body = section.querySelector(".qz-g-body");
    var sessionKey = "quizlib-session:" + base;
    kept("localStorage", "quizlib-token:" + base, null);  /* older versions kept the link token here */

    function say(text, cls) { body.textContent = ""; body.appendChild(el("p", { "class": cls || "qz-msg", role: "status" }, text)); }

    function call(method, path, bearer, data, headers) {
      var h = { Authorization: "Bearer " + bearer };
      Object.keys(headers || {}).forEach(function (k) { h[k] = headers[k]; });
      var opts = { method: method, headers: h, credentials: "omit", referrerPolicy: "no-referrer" };
      if (data !== undefined) { opts.body = JSON.stringify(data); h["Content-Type"] = "application/json"; }
      return fetch(base + "/api/v1" + path, opts).then(function (r) {
        return r.json().catch(function () { return {}; }).then(function (j) { return { status: r.status, ok: r.ok, body: j }; });
      });
    }
    function api(method, path, data, headers) {
      return call(method, path, kept("sessionStorage", sessionKey) || "", data, headers).then(function (r) {
        if (r.status === 401) kept("sessionStorage", sessionKey, null);  /* expired or revoked: sign in again */
        return r;
      });
    }
    function errorOf(r) { return (r.body && r.body.error && r.body.error.message) || ("The grading service answered " + r.status + "."); }
    function fail(r) {
      say(r.status === 401 ? "You are signed out (" + errorOf(r) + "). Open this page again from your personal sign-in link."
        : errorOf(r), "qz-msg qz-err");
    }
    function offline() { say("The grading service cannot be reached. Check your connection and reload the page.", "qz-msg qz-err"); }
    function button(text, onclick, cls) {
      var b = el("button", { type: "button", "class": cls || "qz-btn" }, text); b.addEventListener("click", onclick); return b;
    }

    function signIn() {
      if (link) {
        exchanges[base] = exchanges[base] || call("POST", "/session", link);
        exchanges[base].then(function (r) {
          if (!r.ok) return say("This sign-in link does not work: " + errorOf(r) + " Ask your instructor for a new one.", "qz-msg qz-err");
          kept("sessionStorage", sessionKey, r.body.token);
          overview();
        }, offline);
      } else if (kept("sessionStorage", sessionKey)) overview();
      else say("Open this page from your personal sign-in link to take this graded quiz.");
    }

    function attemptsLine(q) {
      if (!q.max_attempts) return "Attempts: unlimited.";
      if (q.current_attempt_id) {
        var current = (q.attempts || []).filter(function (a) { return a.id === q.current_attempt_id; })[0];
        return "Attempt " + (current ? current.number : q.attempts_used) + " of " + q.max_attempts + " is in progress; after it, " +
          plural(q.attempts_left, "attempt", "attempts") + " left.";
      }
      return "Attempts left: " + q.attempts_left + " of " + q.max_attempts + ".";
    }

    function overview() {
      api("GET", "/quizzes/" + encodeURIComponent(quizId)).then(function (r) {
        if (!r.ok) return fail(r);
        var q = r.body, rules = [];
        body.textContent = "";
        body.appendChild(el("p", { "class": "qz-v" }, q.title));
        if (q.time_limit_seconds) rules.push("Time limit: " + Math.round(q.time_limit_seconds / 60) + " minutes.");
        rules.push(attemptsLine(q));
        if (q.closes_at) rules.push("Closes: " + new Date(q.closes_at).toLocaleString() + ".");
        rules.push(q.feedback === "immediate" ? "Your score appears as soon as you submit." :
          "Scores and feedback are released when the quiz closes.");
        body.appendChild(el("p", { "class": "qz-rules" }, rules.join(" ")));
        (q.attempts || []).forEach(function (a) {
          var p = el("p", { "class": "qz-att" }, "Attempt " + a.number + ": " + a.status.replace("_", " ") +
            (a.score !== null && a.score !== undefined ? ", score " + fmt(a.score) + " of " + fmt(a.max_score) : "") + ". ");
          if (a.status === "submitted") p.appendChild(button("See result", function () { result(a.id); }));
          body.appendChild(p);
        });
        if (q.current_attempt_id) body.appendChild(button("Resume attempt", function () { resume(q.current_attempt_id); }));
        else if (q.state === "open" && (q.attempts_left === null || q.attempts_left === undefined || q.attempts_left > 0))
          body.appendChild(button("Start attempt", start));
        else body.appendChild(el("p", {}, q.state === "not_open" ? "This quiz is not open yet." : q.state === "closed" ?
          "This quiz is closed." : "You have used every attempt."));
      }, offline);
    }

    function start() {
      api("POST", "/quizzes/" + encodeURIComponent(quizId) + "/attempts", undefined, { "Idempotency-Key": uuid() })
        .then(function (r) { if (r.ok) attempt(r.body); else fail(r); }, offline);
    }
    function resume(id) {
      api("GET", "/attempts/" + id).then(function (r) {
        if (!r.ok) return fail(r);
        if (r.body.status === "in_progress") attempt(r.body); else result(id);
      }, offline);
    }

    function question(q) {
      var fs = el("fieldset", { "class": "qz-q", "data-q": q.id, "data-t": q.type });
      var legend = el("legend");
      legend.appendChild(el("span", { "class": "qz-n" }, "Question " + q.number));
      legend.appendChild(document.createTextNode(" "));
      legend.appendChild(el("span", { "class": "qz-pts" }, "(" + fmt(q.points) + " point" + (q.points === 1 ? "" : "s") + ")"));
      fs.appendChild(legend);
      var prompt = el("div", { "class": "qz-p" }); prompt.innerHTML = q.prompt_html; fs.appendChild(prompt);
      var name = "g-" + q.id, box;
      if (q.type === "single" || q.type === "multiple" || q.type === "true_false") {
        box = el("div", { "class": "qz-o" });
        if (q.type === "multiple") box.appendChild(el("p", { "class": "qz-hint" }, "Select all that apply."));
        var opts = q.type === "true_false" ? [{ id: "true", html: "True" }, { id: "false", html: "False" }] : q.options;
        opts.forEach(function (o) {
          var label = el("label"), input = el("input", { type: q.type === "multiple" ? "checkbox" : "radio", name: name, value: o.id });
          var text = el("span"); text.innerHTML = o.html;
          label.appendChild(input); label.appendChild(document.createTextNode(" ")); label.appendChild(text); box.appendChild(label);
        });
      } else if (q.type === "short" || q.type === "numeric") {
        box = el("label", { "class": "qz-t" }, "Your answer ");
        box.appendChild(el("input", q.type === "numeric" ? { type: "text", name: name, inputmode: "decimal", autocomplete: "off" }
          : { type: "text", name: name, autocomplete: "off", spellcheck: "false", maxlength: String(q.max_length || MAX_CHARS) }));
        if (q.unit) box.appendChild(el("span", {}, " " + q.unit));
      } else if (q.type === "matching") {
        box = el("div", { "class": "qz-m" });
        q.left.forEach(function (l) {
          var label = el("label"), text = el("span"), sel = el("select", { name: l.id });
          text.innerHTML = l.html; sel.appendChild(el("option", { value: "" }, "Choose\u2026"));
          q.right.forEach(function (r) { var o = el("option", { value: r.id }); o.innerHTML = r.html; sel.appendChild(o); });
          label.appendChild(text); label.appendChild(document.createTextNode(" ")); label.appendChild(sel); box.appendChild(label);
        });
      } else {
        box = el("ol", { "class": "qz-r" });
        q.items.forEach(function (i) { var li = el("li", { "data-i": i.id }), t = el("span"); t.innerHTML = i.html; li.appendChild(t); box.appendChild(li); });
        fs.appendChild(el("p", { "class": "qz-hint" }, "Put the items in order with the arrow buttons. Until you move one, this question is unanswered."));
      }
      fs.appendChild(box);
      if (q.type === "ordering") setupOrdering(fs);
      return fs;
    }

    function attempt(a) {
      var form = el("form", { "class": "qz-gf", novalidate: "novalidate" }), seq = a.answers_seq || 0, timer = null, saving = null;
      var saved = el("p", { "class": "qz-save", "aria-live": "polite" });
      var bar = el("div", { "class": "qz-g-bar" }), clock = el("p", { "class": "qz-timer", role: "timer" });
      var announcer = el("p", { "class": "qz-sr qz-announce", "aria-live": "assertive" });
      var fields = a.questions.map(question), deadline = a.seconds_left === null ? null : Date.now() + a.seconds_left * 1000;
      var lastLeft = null;
      body.textContent = "";
      bar.appendChild(clock);
      bar.appendChild(el("p", { "class": "qz-count" }, ""));
      bar.appendChild(announcer);
      body.appendChild(bar);
      fields.forEach(function (f) { form.appendChild(f); });
      var submit = button("Submit answers", confirmSubmit, "qz-btn qz-submit");
      var actions = el("div", { "class": "qz-b" }); actions.appendChild(submit); form.appendChild(actions); form.appendChild(saved);
      body.appendChild(form);
      fields.forEach(function (f) {
        var v = a.answers[f.getAttribute("data-q")];
        writeResponse(f, { t: f.getAttribute("data-t") }, v);
        if (f.getAttribute("data-t") === "ordering" && v) f.setAttribute("data-touched", "1");
      });

      function sheet() {
        var out = {};
        fields.forEach(function (f) {
          var t = f.getAttribute("data-t"), v = readResponse(f, { t: t });
          if (t === "ordering" && !f.getAttribute("data-touched")) v = null;  /* the order shown is not an answer */
          out[f.getAttribute("data-q")] = blank(v) ? null : v;
        });
        return out;
      }
      function unanswered() {
        var s = sheet();
        return Object.keys(s).filter(function (k) { return s[k] === null; }).length;
      }
      function count() {
        var missing = unanswered();
        bar.querySelector(".qz-count").textContent = missing ? plural(missing, "question", "questions") + " unanswered" : "All questions answered";
      }
      function tick() {
        if (deadline === null) { clock.textContent = "No time limit"; return; }
        var left = Math.max(0, Math.round((deadline - Date.now()) / 1000));
        clock.textContent = "Time left: " + Math.floor(left / 60) + ":" + String(left % 60).padStart(2, "0");
        clock.classList.toggle("qz-low", left <= 60);
        ANNOUNCE.forEach(function (t) { if (lastLeft !== null && lastLeft > t[0] && left <= t[0]) announcer.textContent = t[1]; });
        lastLeft = left;
      }
      function sync(r) { if (r.body && typeof r.body.seconds_left === "number") deadline = Date.now() + r.body.seconds_left * 1000; }
      function save() {
        seq += 1;
        return api("PUT", "/attempts/" + a.id + "/answers", { answers: sheet(), seq: seq }).then(function (r) {
          sync(r);
          if (r.ok) saved.textContent = "Answers saved at " + new Date().toLocaleTimeString() + ".";
          else if (r.body.error && r.body.error.code === "time_up") { stop(); result(a.id); }
          else if (!(r.body.error && r.body.error.code === "stale_autosave")) saved.textContent = "Not saved: " + errorOf(r);
        }, function () { saved.textContent = "Not saved: the grading service cannot be reached; your answers stay on this page."; });
      }
      function later() { clearTimeout(saving); saving = setTimeout(save, 800); count(); }
      function stop() { clearInterval(timer); clearTimeout(saving); }
      form.addEventListener("change", later);
      form.addEventListener("input", later);
      form.addEventListener("click", function (ev) {
        var move = ev.target.closest("button[data-move]");
        if (move) { move.closest("fieldset").setAttribute("data-touched", "1"); later(); }
      });
      /* Enter in a text box or on a choice must never hand in the attempt (browsers submit forms on Enter). */
      form.addEventListener("keydown", function (ev) {
        if (ev.key === "Enter" && ev.target.tagName === "INPUT") ev.preventDefault();
      });
      form.addEventListener("submit", function (ev) { ev.preventDefault(); });

      function confirmSubmit() {
        var missing = unanswered(), total = fields.length;
        var dialog = el("dialog", { "class": "qz-confirm", "aria-labelledby": "qz-confirm-h", "aria-describedby": "qz-confirm-d" });
        dialog.appendChild(el("h2", { id: "qz-confirm-h" }, "Submit your answers?"));
        var text = el("div", { id: "qz-confirm-d" });
        text.appendChild(el("p", {}, missing ? "You have not answered " + missing + " of " + plural(total, "question", "questions") + "."
          : "You have answered all " + plural(total, "question", "questions") + "."));
        text.appendChild(el("p", {}, !a.max_attempts ? "You may make further attempts after this one." :
          a.attempts_left === 0 ? "This is your last attempt (" + a.number + " of " + a.max_attempts + "): no attempt remains after it." :
          "This is attempt " + a.number + " of " + a.max_attempts + "; after it you will have " +
          plural(a.attempts_left, "attempt", "attempts") + " left."));
        text.appendChild(el("p", {}, "Once submitted, the answers of this attempt cannot be changed."));
        dialog.appendChild(text);
        var choices = el("div", { "class": "qz-b" });
        var keep = button("Keep answering", function () { dialog.close(); });
        var go = button("Submit now", function () { dialog.close(); send(); }, "qz-btn qz-submit");
        choices.appendChild(keep); choices.appendChild(go); dialog.appendChild(choices);
        dialog.addEventListener("close", function () { dialog.remove(); if (!submit.disabled) submit.focus(); });
        document.body.appendChild(dialog);
        dialog.showModal();
        keep.focus();
      }

      function send() {
        stop(); submit.disabled = true;
        var keyName = "quizlib-submit:" + base + ":" + a.id, key = kept("sessionStorage", keyName) || uuid();
        kept("sessionStorage", keyName, key);  /* the same key for every retry of this submission */
        var answers = sheet(), tries = 0;
        saved.textContent = "Submitting\u2026";
        (function again() {
          api("POST", "/attempts/" + a.id + "/submit", { answers: answers }, { "Idempotency-Key": key }).then(function (r) {
            if (r.ok) { kept("sessionStorage", keyName, null); show(r.body); }
            else if (r.body.error && r.body.error.code === "time_up") result(a.id);
            else if (r.status === 401) fail(r);
            else { submit.disabled = false; saved.textContent = "Not submitted: " + errorOf(r); }
          }, function () {
            tries += 1;
            saved.textContent = "The grading service cannot be reached; retrying (" + tries + ")\u2026";
            setTimeout(again, Math.min(30000, 1000 * Math.pow(2, tries)));
          });
        })();
      }
      count(); tick(); timer = setInterval(tick, 1000);
    }

    function result(id) {
      api("GET", "/attempts/" + id + "/result").then(function (r) { if (r.ok) show(r.body); else fail(r); }, offline);
    }
    function lines(label, html, cls) {
      var wrap = el("div", { "class": cls });
      wrap.appendChild(el("p", { "class": "qz-lbl" }, label));
      if (!html.length) { wrap.appendChild(el("p", {}, "(no answer)")); return wrap; }
      var list = el(html.length > 1 ? "ul" : "div");
      html.forEach(function (h) { var li = el(html.length > 1 ? "li" : "p"); li.innerHTML = h; list.appendChild(li); });
      wrap.appendChild(list);
      return wrap;
    }
    function show(res) {
      body.textContent = "";
      if (!res.released) {
        body.appendChild(el("p", { "class": "qz-v" }, res.message || "Your answers are recorded."));
      } else {
        body.appendChild(el("p", { "class": "qz-score qz-v" }, "Score: " + fmt(res.score) + " of " + fmt(res.max_score) +
          " points (" + fmt(res.percent) + "%)."));
        if (!res.key_shown) body.appendChild(el("p", { "class": "qz-msg" }, res.message));
        (res.questions || []).forEach(function (q) {
          var box = el("section", { "class": "qz-res " + (q.correct ? "qz-right" : q.score > 0 ? "qz-part" : "qz-wrong"),
                                    "aria-labelledby": "qz-res-" + q.id });
          box.appendChild(el("h3", { "class": "qz-v", id: "qz-res-" + q.id }, "Question " + q.number + ": " + (q.correct ? "\u2713 correct" :
            q.score > 0 ? "\u25D1 partly correct" : "\u2717 not correct") + ", " + fmt(q.score) + " of " + fmt(q.max_score) + " points"));
          var prompt = el("div", { "class": "qz-p" }); prompt.innerHTML = q.prompt_html; box.appendChild(prompt);
          box.appendChild(lines("Your answer", q.answer_html || [], "qz-yours"));
          if (q.reason) box.appendChild(el("p", {}, "Answer not accepted: " + q.reason + "."));
          if (q.correct_html) box.appendChild(lines("Correct answer", q.correct_html, "qz-rkey"));
          (q.feedback_html || []).concat(q.explanation_html ? [q.explanation_html] : []).forEach(function (h) {
            var d = el("div", { "class": "qz-expl" }); d.innerHTML = h; box.appendChild(d);
          });
          body.appendChild(box);
        });
      }
      body.appendChild(button("Back to the quiz", overview));
      var head = body.querySelector(".qz-v"); if (head) { head.tabIndex = -1; head.focus(); }
    }

    signIn();
  }

  function init() {
    var link = takeLinkToken();
    Array.prototype.forEach.call(document.querySelectorAll("section.qz-g"), function (s) { Graded(s, link); });
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
})();
