/* The deputy's workspace pages (/desk/me...), and its record page where the signal is poor.
 *
 * - Registers the service worker (/desk/me/sw.js), which keeps the record page and its assets
 *   so the page opens without a network, and has it refresh its copy on every workspace page.
 * - A record is queued in the phone's storage (localStorage) with its request_id, made once
 *   when the form is filled, then sent; what could not be sent waits there ("待发送") and is
 *   sent when the phone is online again (the online event, the page's next load, a timer).
 * - The server keeps a request_id's first result (AIP-155): however often a record is sent,
 *   it is written once. A record leaves the queue only when the server has confirmed it, or
 *   refused it for its content (then the deputy reads why and deletes it).
 * - Each replay first asks /desk/me/session for the current CSRF token and whose session it is:
 *   signed out, the records stay and the page says to sign in; another deputy's records wait
 *   for that deputy's session.
 * Without this script the form posts as any form (progressive enhancement).
 */
(function () {
  "use strict";
  // On every page of the deputy's workspace: the service worker is installed (so the record
  // page is kept from the first page after signing in, before the deputy needs it offline),
  // and asked to take a fresh copy of the record page, which is then the signed-in deputy's
  // (on a shared phone, never the previous one's for longer than it takes to open a page).
  if ("serviceWorker" in navigator) {
    navigator.serviceWorker.register("/desk/me/sw.js", { scope: "/desk/me/" }).then(function (reg) {
      var worker = reg.active || reg.waiting || reg.installing;
      if (worker && navigator.onLine !== false) worker.postMessage("refresh");
    }).catch(function () { /* no offline page then */ });
  }
  var form = document.getElementById("record-form");
  if (!form || !window.fetch || !window.localStorage || !window.JSON) return;

  var QUEUE = "lianxin.deputy.queue.v1";
  var SENT = "lianxin.deputy.sent.v1";
  var KEEP_SENT = 20;
  var RETRY_MS = 20000;
  var owner = form.getAttribute("data-deputy") || "";
  var strings = document.getElementById("outbox-strings").dataset;
  var box = document.getElementById("outbox");
  var waitingList = document.getElementById("waiting");
  var sentList = document.getElementById("sent-here");
  var status = document.getElementById("outbox-status");
  var signin = document.getElementById("outbox-signin");
  var flushing = false;

  function uuid() {
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
    var b = crypto.getRandomValues(new Uint8Array(16)), h = [];
    b[6] = (b[6] & 15) | 64;
    b[8] = (b[8] & 63) | 128;
    for (var i = 0; i < 16; i++) h.push((b[i] + 256).toString(16).slice(1));
    return h.slice(0, 4).join("") + "-" + h.slice(4, 6).join("") + "-" + h.slice(6, 8).join("") + "-" +
      h.slice(8, 10).join("") + "-" + h.slice(10).join("");
  }

  function load(key) {
    try {
      var v = JSON.parse(localStorage.getItem(key) || "[]");
      return Array.isArray(v) ? v : [];
    } catch (e) {
      return [];
    }
  }

  function save(key, list) {
    localStorage.setItem(key, JSON.stringify(list));
  }

  // Changes one queued record (by its request_id) in storage as it is now: another tab may
  // have changed the queue meanwhile.
  function update(id, change) {
    var q = load(QUEUE);
    for (var i = 0; i < q.length; i++) {
      if (q[i].id === id) {
        if (change === null) q.splice(i, 1); else change(q[i]);
        break;
      }
    }
    save(QUEUE, q);
  }

  function say(text) {
    status.textContent = text;
  }

  function li(rec, extra) {
    var item = document.createElement("li");
    var f = rec.fields || {};
    var line = (f.date || "") + " " + (strings["kind-" + f.kind] || "") + " · " + (f.title || "");
    item.appendChild(document.createTextNode(line));
    if (extra) {
      item.appendChild(document.createElement("br"));
      var note = document.createElement("span");
      note.className = "note";
      note.textContent = extra;
      item.appendChild(note);
    }
    return item;
  }

  function render() {
    box.hidden = false;
    var all = load(QUEUE);
    var q = all.filter(function (r) { return r.owner === owner; });
    waitingList.textContent = "";
    q.forEach(function (rec) {
      var item = li(rec, rec.refused ? strings.refused + rec.refused : "");
      item.setAttribute("data-request-id", rec.id);
      if (rec.refused) {
        item.className = "refused";
        var del = document.createElement("button");
        del.type = "button";
        del.className = "secondary";
        del.textContent = strings["delete"];
        del.addEventListener("click", function () {
          update(rec.id, null);
          render();
        });
        var edit = document.createElement("button");
        edit.type = "button";
        edit.className = "secondary";
        edit.textContent = strings.edit;
        edit.addEventListener("click", function () {
          // Back into the form to correct: a corrected record is another request (a new id).
          Object.keys(rec.fields).forEach(function (k) {
            var field = form.elements[k];
            if (!field || k === "request_id") return;
            if (field.length !== undefined && field.tagName === undefined) {
              Array.prototype.forEach.call(field, function (f) { f.checked = f.value === rec.fields[k]; });
            } else {
              field.value = rec.fields[k];
            }
          });
          form.elements.request_id.value = uuid();
          update(rec.id, null);
          render();
          form.elements.title.focus();
        });
        item.appendChild(document.createElement("br"));
        item.appendChild(edit);
        item.appendChild(document.createTextNode(" "));
        item.appendChild(del);
      }
      waitingList.appendChild(item);
    });
    if (all.length > q.length) {
      // Another deputy's records on this phone: how many, not what (theirs to read).
      var others = document.createElement("li");
      others.textContent = strings.other.replace("{n}", all.length - q.length);
      waitingList.appendChild(others);
    }
    if (!all.length) {
      var none = document.createElement("li");
      none.textContent = strings.none;
      waitingList.appendChild(none);
    }
    var sent = load(SENT).filter(function (r) { return r.owner === owner; });
    sentList.textContent = "";
    sent.forEach(function (rec) {
      var item = li(rec, "");
      item.setAttribute("data-activity-id", rec.activity_id || "");
      sentList.appendChild(item);
    });
    if (!sent.length) {
      var nothing = document.createElement("li");
      nothing.textContent = strings.sentNone;
      sentList.appendChild(nothing);
    }
    var pending = q.filter(function (r) { return !r.refused; }).length;
    if (!flushing && pending && !signin.hidden) {
      say(strings.signin);
    } else if (!flushing && pending) {
      say(navigator.onLine === false ? strings.offline : strings.waiting.replace("{n}", pending));
    } else if (!flushing) {
      say("");
    }
  }

  function Stop(reason) {
    this.reason = reason;
  }

  function session() {
    return fetch("/desk/me/session", {
      credentials: "same-origin", redirect: "manual", cache: "no-store", headers: { "accept": "application/json" }
    }).then(function (r) {
      if (r.type === "opaqueredirect" || r.status === 401 || r.status === 403) throw new Stop("signin");
      if (!r.ok) throw new Stop("later");
      return r.json();
    });
  }

  function sendOne(token, rec) {
    var body = new URLSearchParams();
    Object.keys(rec.fields).forEach(function (k) { body.append(k, rec.fields[k]); });
    body.append("csrf_token", token);
    return fetch(form.action, {
      method: "POST", body: body, credentials: "same-origin", redirect: "manual",
      headers: { "accept": "application/json" }
    }).then(function (r) {
      if (r.type === "opaqueredirect") throw new Stop("signin");
      if (r.status === 201) {
        return r.json().then(function (done) {
          update(rec.id, null);
          var sent = load(SENT);
          sent.unshift({ id: rec.id, owner: rec.owner, activity_id: done.id, fields: rec.fields,
            sent_at: new Date().toISOString() });
          save(SENT, sent.slice(0, KEEP_SENT));
        });
      }
      if (r.status === 400 || r.status === 409 || r.status === 422) {
        return r.json().then(function (refusal) {
          update(rec.id, function (q) { q.refused = refusal.message || String(r.status); });
        });
      }
      throw new Stop("later");   // 403 (a stale token: fetched again next time), 429, 5xx
    });
  }

  function flush() {
    if (flushing) return;
    var mine = load(QUEUE).filter(function (r) { return !r.refused; });
    if (!mine.length) {
      render();
      return;
    }
    flushing = true;
    say(strings.sending);
    session().then(function (s) {
      signin.hidden = true;
      var chain = Promise.resolve();
      load(QUEUE).forEach(function (rec) {
        if (rec.refused || rec.owner !== s.deputy) return;
        chain = chain.then(function () { return sendOne(s.csrf_token, rec); });
      });
      return chain;
    }).catch(function (e) {
      if (e instanceof Stop && e.reason === "signin") signin.hidden = false;
      // Otherwise offline or busy: the records stay and are tried again.
    }).then(function () {
      flushing = false;
      render();
    });
  }

  form.elements.request_id.value = uuid();
  form.addEventListener("submit", function (ev) {
    ev.preventDefault();
    var fields = {};
    new FormData(form).forEach(function (v, k) {
      if (k !== "csrf_token" && typeof v === "string") fields[k] = v;
    });
    var q = load(QUEUE);
    q.push({ id: fields.request_id, owner: owner, fields: fields, queued_at: new Date().toISOString() });
    save(QUEUE, q);
    form.reset();
    form.elements.request_id.value = uuid();   // the next record is another record
    render();
    flush();
  });
  window.addEventListener("online", flush);
  window.addEventListener("offline", render);
  window.addEventListener("storage", render);
  setInterval(function () { if (navigator.onLine !== false) flush(); }, RETRY_MS);
  render();
  flush();
}());
