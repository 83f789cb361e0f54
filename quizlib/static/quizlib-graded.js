/* quizlib graded quizzes: the form, the key and the grading live on the grading service.
 *
 * Loaded after quizlib.js on pages with a graded-quiz directive; reuses its controls
 * (window.quizlib.ui). The page holds only <section class="qz-g" data-service data-quiz>:
 * we sign in with the student's token (from ?token= once, then localStorage) and follow
 * the service's API (quizlib/server/API.md): start or resume an attempt, autosave the
 * whole sheet with an increasing seq, submit with an Idempotency-Key kept until it succeeds.
 */
(function () {
  "use strict";
  var ui = window.quizlib.ui, el = ui.el, fmt = ui.fmt, blank = ui.blank, MAX_CHARS = ui.MAX_CHARS;
  var readResponse = ui.readResponse, writeResponse = ui.writeResponse, setupOrdering = ui.setupOrdering;
  function uuid() {
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
    var b = new Uint8Array(16); crypto.getRandomValues(b);
    return Array.prototype.map.call(b, function (x) { return (x + 256).toString(16).slice(1); }).join("");
  }
  function store(k, v) { try { if (v === undefined) return localStorage.getItem(k); if (v === null) localStorage.removeItem(k); else localStorage.setItem(k, v); } catch (e) { return null; } }

  function Graded(section) {
    var base = section.getAttribute("data-service").replace(/\/+$/, ""), quizId = section.getAttribute("data-quiz");
    var body = section.querySelector(".qz-g-body"), tokenKey = "quizlib-token:" + base;
    var params = new URLSearchParams(location.search), token = params.get("token");
    if (token) {
      store(tokenKey, token); params.delete("token");
      history.replaceState(null, "", location.pathname + (params.toString() ? "?" + params : "") + location.hash);
    } else token = store(tokenKey);

    function say(text, cls) { body.textContent = ""; body.appendChild(el("p", { "class": cls || "qz-msg" }, text)); }
    if (!token) return say("Open this page from your personal sign-in link to take this graded quiz.");

    function api(method, path, data, headers) {
      var h = { Authorization: "Bearer " + token };
      Object.keys(headers || {}).forEach(function (k) { h[k] = headers[k]; });
      var opts = { method: method, headers: h };
      if (data !== undefined) { opts.body = JSON.stringify(data); h["Content-Type"] = "application/json"; }
      return fetch(base + "/api/v1" + path, opts).then(function (r) {
        return r.json().catch(function () { return {}; }).then(function (j) { return { status: r.status, ok: r.ok, body: j }; });
      });
    }
    function errorOf(r) { return (r.body && r.body.error && r.body.error.message) || ("The grading service answered " + r.status + "."); }
    function fail(r) { say(errorOf(r), "qz-msg qz-err"); }
    function offline() { say("The grading service cannot be reached. Check your connection and reload the page.", "qz-msg qz-err"); }
    function button(text, onclick) { var b = el("button", { type: "button" }, text); b.addEventListener("click", onclick); return b; }

    function overview() {
      api("GET", "/quizzes/" + encodeURIComponent(quizId)).then(function (r) {
        if (!r.ok) return fail(r);
        var q = r.body, rules = [];
        body.textContent = "";
        body.appendChild(el("p", { "class": "qz-v" }, q.title));
        if (q.time_limit_seconds) rules.push("Time limit: " + Math.round(q.time_limit_seconds / 60) + " minutes.");
        if (q.max_attempts) rules.push("Attempts left: " + q.attempts_left + " of " + q.max_attempts + ".");
        if (q.closes_at) rules.push("Closes: " + new Date(q.closes_at).toLocaleString() + ".");
        rules.push(q.feedback === "immediate" ? "Your score and feedback appear as soon as you submit."
          : "Scores and feedback are released when the quiz closes.");
        body.appendChild(el("p", {}, rules.join(" ")));
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
      }
      fs.appendChild(box);
      if (q.type === "ordering") setupOrdering(fs);
      fs.appendChild(el("div", { "class": "qz-f", role: "status", "aria-live": "polite" }));
      return fs;
    }

    function attempt(a) {
      var form = el("form", { "class": "qz-gf", novalidate: "novalidate" }), seq = a.answers_seq || 0, timer = null, saving = null;
      var status = el("p", { "class": "qz-save", "aria-live": "polite" }), clock = el("p", { "class": "qz-timer" });
      var fields = a.questions.map(question), deadline = a.seconds_left === null ? null : Date.now() + a.seconds_left * 1000;
      body.textContent = "";
      body.appendChild(clock);
      fields.forEach(function (f) { form.appendChild(f); });
      var submit = el("button", { type: "submit" }, "Submit answers");
      var bar = el("div", { "class": "qz-b" }); bar.appendChild(submit); form.appendChild(bar); form.appendChild(status);
      body.appendChild(form);
      fields.forEach(function (f) { writeResponse(f, { t: f.getAttribute("data-t") }, a.answers[f.getAttribute("data-q")]); });

      function sheet() {
        var out = {};
        fields.forEach(function (f) {
          var v = readResponse(f, { t: f.getAttribute("data-t") });
          out[f.getAttribute("data-q")] = blank(v) ? null : v;
        });
        return out;
      }
      function tick() {
        if (deadline === null) return;
        var left = Math.max(0, Math.round((deadline - Date.now()) / 1000));
        clock.textContent = "Time left: " + Math.floor(left / 60) + ":" + String(left % 60).padStart(2, "0");
      }
      function sync(r) { if (r.body && typeof r.body.seconds_left === "number") deadline = Date.now() + r.body.seconds_left * 1000; }
      function save() {
        seq += 1;
        return api("PUT", "/attempts/" + a.id + "/answers", { answers: sheet(), seq: seq }).then(function (r) {
          sync(r);
          if (r.ok) status.textContent = "Answers saved at " + new Date().toLocaleTimeString() + ".";
          else if (r.body.error && r.body.error.code === "time_up") { stop(); result(a.id); }
          else if (!(r.body.error && r.body.error.code === "stale_autosave")) status.textContent = "Not saved: " + errorOf(r);
        }, function () { status.textContent = "Not saved: the grading service cannot be reached; your answers stay on this page."; });
      }
      function stop() { clearInterval(timer); clearTimeout(saving); }
      form.addEventListener("change", function () { clearTimeout(saving); saving = setTimeout(save, 800); });
      form.addEventListener("input", function () { clearTimeout(saving); saving = setTimeout(save, 800); });
      form.addEventListener("click", function (ev) { if (ev.target.closest("button[data-move]")) { clearTimeout(saving); saving = setTimeout(save, 800); } });
      form.addEventListener("submit", function (ev) {
        ev.preventDefault(); stop(); submit.disabled = true;
        var keyName = "quizlib-submit:" + base + ":" + a.id, key = store(keyName) || uuid();
        store(keyName, key);  /* the same key for every retry of this submission */
        var answers = sheet(), tries = 0;
        status.textContent = "Submitting\u2026";
        (function send() {
          api("POST", "/attempts/" + a.id + "/submit", { answers: answers }, { "Idempotency-Key": key }).then(function (r) {
            if (r.ok) { store(keyName, null); show(r.body); }
            else if (r.body.error && r.body.error.code === "time_up") result(a.id);
            else { submit.disabled = false; status.textContent = "Not submitted: " + errorOf(r); }
          }, function () {
            tries += 1;
            status.textContent = "The grading service cannot be reached; retrying (" + tries + ")\u2026";
            setTimeout(send, Math.min(30000, 1000 * Math.pow(2, tries)));
          });
        })();
      });
      tick(); timer = setInterval(tick, 1000);
    }

    function result(id) {
      api("GET", "/attempts/" + id + "/result").then(function (r) { if (r.ok) show(r.body); else fail(r); }, offline);
    }
    function show(res) {
      body.textContent = "";
      if (!res.released) {
        body.appendChild(el("p", { "class": "qz-v" }, res.message || "Your answers are recorded."));
      } else {
        body.appendChild(el("p", { "class": "qz-score qz-v" }, "Score: " + fmt(res.score) + " of " + fmt(res.max_score) +
          " points (" + fmt(res.percent) + "%)."));
        (res.questions || []).forEach(function (q) {
          var box = el("div", { "class": "qz-f qz-res " + (q.correct ? "qz-right" : q.score > 0 ? "qz-part" : "qz-wrong") });
          box.appendChild(el("p", { "class": "qz-v" }, "Question " + q.number + ": " + (q.correct ? "\u2713 correct" :
            q.score > 0 ? "\u25D1 partly correct" : "\u2717 not correct") + ", " + fmt(q.score) + " of " + fmt(q.max_score) + "."));
          if (q.reason) box.appendChild(el("p", {}, "Answer not accepted: " + q.reason + "."));
          (q.feedback_html || []).concat(q.explanation_html ? [q.explanation_html] : []).forEach(function (h) {
            var d = el("div"); d.innerHTML = h; box.appendChild(d);
          });
          body.appendChild(box);
        });
      }
      body.appendChild(button("Back to the quiz", overview));
      var head = body.querySelector(".qz-v"); if (head) { head.tabIndex = -1; head.focus(); }
    }

    overview();
  }


  function init() {
    Array.prototype.forEach.call(document.querySelectorAll("section.qz-g"), function (s) { Graded(s); });
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
})();
