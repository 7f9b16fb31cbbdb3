// The candidate list as it is typed: the quarter rule (差额 at least a quarter, or the region's
// more) shown for the seats typed and the candidates ticked. The service checks it again when
// the session and the ballot open; this only tells the committee early.
(function () {
  "use strict";
  var form = document.getElementById("fix-form");
  if (!form) { return; }
  var surplus = parseInt(form.getAttribute("data-surplus"), 10);
  var sentence = form.getAttribute("data-rule");   // the catalogue's, with {n}, {seats}, {min}
  var out = document.getElementById("quarter-rule");
  var seatsField = document.getElementById("seats");
  function update() {
    var seats = parseInt(seatsField.value, 10);
    var n = form.querySelectorAll('input[type=checkbox][name^="pick-"]:checked').length;
    if (!(seats > 0)) { out.textContent = ""; return; }
    var min = Math.floor((seats * (100 + surplus) + 99) / 100);   // ⌈seats × (100 + p) / 100⌉
    out.textContent = sentence.replace("{n}", String(n)).replace("{seats}", String(seats)).replace("{min}", String(min));
    out.className = n >= min ? "ok" : "short";
  }
  form.addEventListener("input", update);
  form.addEventListener("change", update);
  update();
}());
