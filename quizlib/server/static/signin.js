/* The service's sign-in page: take the token from the link (#token=, or ?token= in older links),
 * remove it from the address at once, exchange it for a session (POST /api/v1/session) kept in
 * sessionStorage, and list the student's quizzes with links to their pages on this service. */
(function () {
  "use strict";
  var main = document.getElementById("signin"), key = "quizlib-session:" + location.origin;
  function take() {
    var m = /(?:^#|[#&?])token=([^&#]+)/.exec(location.hash + location.search);
    if (!m) return null;
    var params = new URLSearchParams(location.search); params.delete("token");
    history.replaceState(null, "", location.pathname + (params.toString() ? "?" + params : ""));
    return decodeURIComponent(m[1]);
  }
  function node(tag, text, attrs) {
    var e = document.createElement(tag); if (text) e.textContent = text;
    Object.keys(attrs || {}).forEach(function (k) { e.setAttribute(k, attrs[k]); });
    return e;
  }
  function say(title, text) {
    main.textContent = ""; main.appendChild(node("h1", title)); main.appendChild(node("p", text, { "class": "msg" }));
  }
  function call(method, path, bearer) {
    return fetch(path, { method: method, headers: { Authorization: "Bearer " + bearer }, credentials: "omit",
                         referrerPolicy: "no-referrer" })
      .then(function (r) { return r.json().then(function (j) { return { ok: r.ok, status: r.status, body: j }; }); });
  }
  function list(session) {
    call("GET", "/api/v1/me", session).then(function (r) {
      if (!r.ok) { sessionStorage.removeItem(key); return say("Sign-in needed", r.body.error.message); }
      main.textContent = "";
      main.appendChild(node("h1", "Signed in as " + r.body.name));
      main.appendChild(node("p", "Student id: " + r.body.student_id + ". Keep your link private: it is your key to your graded quizzes."));
      main.appendChild(node("h2", "Your quizzes"));
      var ul = node("ul");
      (r.body.quizzes || []).forEach(function (q) {
        var li = node("li"), a = node("a", q.title, { href: "/quiz/" + encodeURIComponent(q.id) });
        li.appendChild(a); li.appendChild(document.createTextNode(": " + q.state.replace("_", " ")));
        ul.appendChild(li);
      });
      if (!ul.children.length) ul.appendChild(node("li", "No quiz is published yet."));
      main.appendChild(ul);
    }, function () { say("Graded quizzes", "The grading service cannot be reached. Reload the page."); });
  }
  var link = take(), saved = sessionStorage.getItem(key);
  if (link) {
    call("POST", "/api/v1/session", link).then(function (r) {
      if (!r.ok) return say("Sign-in link not valid", r.body.error.message + " Ask your instructor for a new one.");
      sessionStorage.setItem(key, r.body.token); list(r.body.token);
    }, function () { say("Graded quizzes", "The grading service cannot be reached. Reload the page."); });
  } else if (saved) list(saved);
})();
