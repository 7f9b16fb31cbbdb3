// The ballot on a phone: at most as many 同意 as there are seats. When the limit is reached the
// other candidates' 同意 boxes are disabled (a ballot with more approvals is void, 废票), and the
// count is read out. Without this script the form still posts; the count decides then.
(function () {
  "use strict";
  var form = document.getElementById("ballot-form");
  if (!form) { return; }
  var seats = parseInt(form.getAttribute("data-seats"), 10);
  var status = document.getElementById("approvals");
  var sentence = form.getAttribute("data-count");   // the catalogue's, e.g. 已同意 {n} 项，最多 {seats} 项
  function update() {
    var approves = form.querySelectorAll('input[type=radio][value=approve]');
    var n = 0;
    approves.forEach(function (r) { if (r.checked) { n += 1; } });
    approves.forEach(function (r) { r.disabled = !r.checked && n >= seats; });
    status.textContent = sentence.replace("{n}", String(n)).replace("{seats}", String(seats));
  }
  form.addEventListener("change", update);
  update();
}());
