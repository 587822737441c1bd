/* The inspection visit form: the tenant's signature drawn on a canvas (kept as a PNG
   data URL in a hidden field), and the small helps of the form: sections shown for the
   chosen outcome, a note box for a checklist issue, the case fields for a violation,
   and adding rows of people and notes. Loaded as a file: the CSP allows no inline
   script. */
(function () {
  "use strict";
  var form = document.getElementById("visit-form");
  if (!form) return;

  // --- The signature pad ----------------------------------------------------------
  var canvas = form.querySelector("[data-signature-pad]");
  var field = form.querySelector("input[name=signature]");
  var refused = form.querySelector("input[name=signature_refused]");
  var pad = canvas ? canvas.parentElement : null;
  var drawing = false, drawn = false, ctx = null, last = null;

  function setUp() {
    var ratio = window.devicePixelRatio || 1;
    var box = canvas.getBoundingClientRect();
    if (!box.width) return;
    var keep = drawn ? canvas.toDataURL("image/png") : null;
    canvas.width = Math.round(box.width * ratio);
    canvas.height = Math.round(box.height * ratio);
    ctx = canvas.getContext("2d");
    ctx.scale(ratio, ratio);
    ctx.lineWidth = 2.5;
    ctx.lineCap = "round";
    ctx.lineJoin = "round";
    ctx.strokeStyle = "#111";
    if (keep) {
      var img = new Image();
      img.onload = function () { ctx.drawImage(img, 0, 0, box.width, box.height); };
      img.src = keep;
    }
  }

  function point(e) {
    var box = canvas.getBoundingClientRect();
    return { x: e.clientX - box.left, y: e.clientY - box.top };
  }

  function save() {
    field.value = drawn ? canvas.toDataURL("image/png") : "";
    pad.classList.toggle("signed", drawn);
  }

  if (canvas && field) {
    setUp();
    window.addEventListener("resize", setUp);
    canvas.addEventListener("pointerdown", function (e) {
      if (refused && refused.checked) return;
      if (!ctx) setUp();
      drawing = true;
      last = point(e);
      canvas.setPointerCapture(e.pointerId);
      ctx.beginPath();
      ctx.arc(last.x, last.y, 1, 0, 2 * Math.PI);
      ctx.fillStyle = "#111";
      ctx.fill();
      drawn = true;
      e.preventDefault();
    });
    canvas.addEventListener("pointermove", function (e) {
      if (!drawing) return;
      var p = point(e);
      ctx.beginPath();
      ctx.moveTo(last.x, last.y);
      ctx.lineTo(p.x, p.y);
      ctx.stroke();
      last = p;
      e.preventDefault();
    });
    ["pointerup", "pointercancel", "pointerleave"].forEach(function (name) {
      canvas.addEventListener(name, function () {
        if (drawing) { drawing = false; save(); }
      });
    });
    form.querySelector("[data-signature-clear]").addEventListener("click", function () {
      if (ctx) ctx.clearRect(0, 0, canvas.width, canvas.height);
      drawn = false;
      save();
    });
    if (refused) {
      refused.addEventListener("change", function () {
        if (refused.checked && ctx) {
          ctx.clearRect(0, 0, canvas.width, canvas.height);
          drawn = false;
          save();
        }
        pad.classList.toggle("refused", refused.checked);
      });
      pad.classList.toggle("refused", refused.checked);
    }
    // A form shown again after an error shows the signature already drawn.
    if (field.value.indexOf("data:image/png;base64,") === 0) {
      drawn = true;
      var box = canvas.getBoundingClientRect();
      var img = new Image();
      img.onload = function () { if (ctx) ctx.drawImage(img, 0, 0, box.width, box.height); };
      img.src = field.value;
      pad.classList.add("signed");
    } else {
      field.value = "";
    }
  }

  // --- Sections that depend on a choice ---------------------------------------------
  function chosen(name) {
    var input = form.querySelector("input[name=" + name + "]:checked");
    return input ? input.value : "";
  }

  function showFor(selector, show) {
    form.querySelectorAll(selector).forEach(function (el) { el.hidden = !show; });
  }

  function refresh() {
    var answered = chosen("outcome") === "completed";
    showFor("[data-answered]", answered);
    showFor("[data-unanswered]", !answered);
    showFor("[data-case-fields]", chosen("finding") === "violation");
    form.querySelectorAll("[data-check]").forEach(function (item) {
      var issue = item.querySelector("input[type=radio][value=issue]");
      item.querySelector("[data-issue-note]").hidden = !(issue && issue.checked);
    });
    if (answered && canvas && !ctx) setUp();
  }

  form.addEventListener("change", refresh);
  refresh();

  // --- Rows of people and notes ---------------------------------------------------------
  form.querySelectorAll("[data-add-row]").forEach(function (button) {
    var prefix = button.getAttribute("data-add-row");
    button.addEventListener("click", function () {
      var total = form.querySelector("input[name=" + prefix + "-TOTAL_FORMS]");
      var template = document.getElementById(prefix + "-template");
      var html = template.innerHTML.replace(/__prefix__/g, total.value);
      var holder = document.createElement("div");
      holder.innerHTML = html;
      var row = holder.firstElementChild;
      form.querySelector("[data-rows=" + prefix + "]").appendChild(row);
      total.value = parseInt(total.value, 10) + 1;
      var first = row.querySelector("input[type=text], input:not([type])");
      if (first) first.focus();
    });
  });
})();
