/* Glossary previews: hovering or focusing a link to a glossary term shows its definition
 * in a tooltip under the link (quizlib/sphinx/glossary.py puts the definitions this page
 * uses in #qz-glossary). Escape dismisses it; the pointer can move onto it (WCAG 1.4.13).
 */
(function () {
  "use strict";
  var data = document.getElementById("qz-glossary");
  if (!data) return;
  var defs = JSON.parse(data.textContent), current = null, timer = null;
  var style = document.createElement("style");
  style.textContent = ".qz-tip{position:absolute;z-index:1100;max-width:min(26rem,calc(100vw - 1rem));padding:.5rem .75rem;" +
    "border:1px solid var(--pst-color-border,#d0d7de);border-radius:6px;background:var(--pst-color-surface,#fff);" +
    "color:var(--pst-color-text-base,#222);box-shadow:0 .25rem .75rem rgba(0,0,0,.15);font-size:.9rem;line-height:1.4}" +
    ".qz-tip p{margin:0}.qz-tip strong{display:block;margin-bottom:.2rem}@media print{.qz-tip{display:none!important}}";
  document.head.appendChild(style);
  var tip = document.createElement("div");
  tip.id = "qz-term-tip"; tip.className = "qz-tip"; tip.setAttribute("role", "tooltip"); tip.hidden = true;
  document.body.appendChild(tip);

  function place(a) {
    var r = a.getBoundingClientRect(), w = tip.offsetWidth, h = tip.offsetHeight;
    var left = Math.max(8, Math.min(r.left, document.documentElement.clientWidth - w - 8));
    var below = r.bottom + 6 + h <= window.innerHeight || r.top - 6 - h < 0;
    tip.style.left = (left + window.scrollX) + "px";
    tip.style.top = ((below ? r.bottom + 6 : r.top - 6 - h) + window.scrollY) + "px";
  }
  function show(a) {
    var d = defs[decodeURIComponent(a.hash.slice(1))];
    if (!d) return;
    clearTimeout(timer);
    if (current && current !== a) current.removeAttribute("aria-describedby");
    tip.textContent = "";
    var term = document.createElement("strong"), text = document.createElement("p");
    term.textContent = d[0]; text.textContent = d[1];
    tip.appendChild(term); tip.appendChild(text);
    tip.hidden = false; current = a;
    a.setAttribute("aria-describedby", tip.id);
    place(a);
  }
  function hide() {
    clearTimeout(timer);
    if (current) current.removeAttribute("aria-describedby");
    tip.hidden = true; current = null;
  }
  function hideSoon() { clearTimeout(timer); timer = setTimeout(hide, 200); }

  Array.prototype.forEach.call(document.querySelectorAll("a.reference.internal"), function (a) {
    if (!a.querySelector(".std-term") || !defs[decodeURIComponent(a.hash.slice(1))]) return;
    a.addEventListener("mouseenter", function () { show(a); });
    a.addEventListener("mouseleave", hideSoon);
    a.addEventListener("focus", function () { show(a); });
    a.addEventListener("blur", hide);
  });
  tip.addEventListener("mouseenter", function () { clearTimeout(timer); });
  tip.addEventListener("mouseleave", hideSoon);
  document.addEventListener("keydown", function (ev) { if (ev.key === "Escape" && current) hide(); });
})();
