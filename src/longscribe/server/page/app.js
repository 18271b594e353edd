// The service page: upload recordings, watch their jobs, read, search, play and correct a finished transcript
// (the editor, editor.js, autosaves each correction as a revision, with the ETag it was made from).
// It uses only the public API (/v1/...); the API key, when the server wants one, stays in sessionStorage.
(function () {
  "use strict";
  var $ = function (id) { return document.getElementById(id); };
  var key = sessionStorage.getItem("longscribe-key") || "";
  var shown = null, editor = null, timer = null;

  function headers() { return key ? { Authorization: "Bearer " + key } : {}; }
  function withKey(url) { return key ? url + (url.indexOf("?") < 0 ? "?" : "&") + "access_token=" + encodeURIComponent(key) : url; }

  function api(path, options) {
    options = options || {};
    options.headers = Object.assign({}, options.headers || {}, headers());
    return fetch(path, options).then(function (r) {
      if (r.status === 401) { $("key-form").hidden = false; throw new Error("this server needs an API key"); }
      return r;
    });
  }

  function say(text) { $("notice").textContent = text; }

  function clock(seconds) {
    var s = Math.floor(seconds), h = Math.floor(s / 3600), m = Math.floor(s / 60) % 60;
    return (h ? h + ":" + String(m).padStart(2, "0") : m) + ":" + String(s % 60).padStart(2, "0");
  }

  function when(seconds) {  // the local date and time a job was made: 2026-12-06 14:03
    var d = new Date(seconds * 1000), two = function (n) { return String(n).padStart(2, "0"); };
    return d.getFullYear() + "-" + two(d.getMonth() + 1) + "-" + two(d.getDate()) + " " + two(d.getHours()) + ":" + two(d.getMinutes());
  }

  function asked(options) {  // the options that change the text, as words
    var words = [options.language || "auto language"];
    if (options.task === "translate") words.push("to English");
    if (options.diarize) words.push(options.diarize === "channels" ? "speakers by channel" : "who speaks");
    if (options.word_timestamps) words.push("word times");
    if (options.prompt) words.push("prompt");
    if (options.temperature) words.push("temperature " + options.temperature);
    return words.join(", ");
  }

  function details(job) {
    var facts = [when(job.created_at)];
    if (job.duration) facts.push(clock(job.duration));
    if (job.speakers !== null && job.speakers !== undefined) facts.push(job.speakers + (job.speakers === 1 ? " speaker" : " speakers"));
    facts.push(asked(job.options || {}));
    return facts.join(" · ");
  }

  function row(job) {
    var li = document.createElement("li");
    li.dataset.id = job.id;
    var name = document.createElement("a");  // a permalink: #/jobs/ID opens the transcript, also from a bookmark
    name.className = "name";
    name.href = "#/jobs/" + job.id;
    name.textContent = job.file || job.id;
    var about = document.createElement("span");
    about.className = "details";
    about.textContent = details(job);
    var state = document.createElement("span");
    state.className = "state";
    var p = job.progress;
    if (job.status === "running" && p.total_seconds) {
      var bar = document.createElement("progress");
      bar.max = p.total_seconds; bar.value = p.done_seconds;
      li.appendChild(bar);
      state.textContent = "running " + clock(p.done_seconds) + " / " + clock(p.total_seconds) +
        (p.speed ? ", " + p.speed + "x" : "") + (p.eta_seconds !== null ? ", ETA " + clock(p.eta_seconds) : "");
    } else {
      state.textContent = job.status + (job.languages && job.languages.length ? " · " + job.languages.join(" → ") : "") +
        (job.error ? ": " + job.error : "");
    }
    li.insertBefore(name, li.firstChild);
    li.appendChild(about);
    li.appendChild(state);
    if (job.status === "done") {
      var open = document.createElement("button");
      open.textContent = "Open"; open.className = "open";
      open.onclick = function () { location.hash = "#/jobs/" + job.id; route(); };
      li.appendChild(open);
    }
    var remove = document.createElement("button");
    remove.textContent = "Delete"; remove.className = "delete";
    remove.onclick = function () {
      api("/v1/jobs/" + job.id, { method: "DELETE" }).then(function () {
        if (shown === job.id) {
          $("viewer").hidden = true; shown = null; history.replaceState(null, "", location.pathname);
          if (editor) { editor.close(); editor = null; }
        }
        refresh();
      }).catch(function (e) { say(e.message); });
    };
    li.appendChild(remove);
    return li;
  }

  function refresh() {
    return api("/v1/jobs").then(function (r) { return r.json(); }).then(function (doc) {
      var list = $("jobs");
      list.textContent = "";
      var busy = false;
      doc.data.forEach(function (job) {
        list.appendChild(row(job));
        busy = busy || job.status === "queued" || job.status === "running";
      });
      clearTimeout(timer);
      timer = setTimeout(refresh, busy ? 1000 : 5000);
    }).catch(function (e) { say(e.message); });
  }

  function upload(files) {
    Array.prototype.forEach.call(files, function (file) { send(file, false); });
  }

  function send(file, again) {
    var form = new FormData();
    form.append("file", file, file.name);
    if ($("language").value) form.append("language", $("language").value);
    if ($("speakers").checked) form.append("diarize", "true");
    if (again) form.append("again", "true");
    say("uploading " + file.name + " …");
    api("/v1/jobs", { method: "POST", body: form }).then(function (r) {
      return r.json().then(function (doc) {
        if (!r.ok) throw new Error(file.name + ": " + doc.error.message);
        if (doc.reused) {  // the same recording, asked the same way, is done already: offer it
          say(file.name + ": already transcribed on " + when(doc.created_at) + " with these options — opened. ");
          var anew = document.createElement("button");
          anew.id = "again"; anew.textContent = "Transcribe again";
          anew.onclick = function () { send(file, true); };
          $("notice").appendChild(anew);
          location.hash = "#/jobs/" + doc.id;
          route();
        } else {
          say(file.name + ": queued");
        }
        refresh();
      });
    }).catch(function (e) { say(e.message); });
  }

  function route() {  // #/jobs/ID: that job's transcript
    var m = /^#\/jobs\/([A-Za-z0-9_-]+)$/.exec(location.hash);
    if (!m || m[1] === shown) return;
    shown = m[1];  // once, however many ways the hash was set
    api("/v1/jobs/" + m[1]).then(function (r) {
      if (!r.ok) throw new Error("no job " + m[1] + " on this server");
      return r.json();
    }).then(function (job) {
      if (job.status !== "done") { shown = null; say((job.file || job.id) + ": " + job.status); return; }
      show(job);
    }).catch(function (e) { shown = null; say(e.message); });
  }

  function show(job) {
    shown = job.id;
    var etag = null;
    api("/v1/jobs/" + job.id + "/result?format=json").then(function (r) {
      etag = r.headers.get("ETag");
      return r.json();
    }).then(function (doc) {
      $("viewer").hidden = false;
      $("viewer-title").textContent = job.file || job.id;
      $("viewer-details").textContent = details(job);
      $("player").src = withKey("/v1/jobs/" + job.id + "/audio");
      var downloads = $("downloads");
      downloads.textContent = "";
      job.formats.forEach(function (fmt) {  // the latest revision, corrections included
        var a = document.createElement("a");
        a.href = withKey("/v1/jobs/" + job.id + "/result?format=" + fmt);
        a.textContent = fmt;
        a.setAttribute("download", "");
        downloads.appendChild(a);
      });
      if (editor) editor.close();
      editor = window.LongscribeEditor({
        list: $("segments"),
        tools: $("editor-tools"),
        player: $("player"),
        doc: doc,
        revision: etag ? parseInt(etag.replace(/"/g, ""), 10) : doc.revision,
        save: function (corrected, revision) { return save(job.id, corrected, revision); },
      });
      filter();
    }).catch(function (e) { say(e.message); });
  }

  function save(id, corrected, revision) {  // autosave: a conflict (412) stops it, with a clear message
    return api("/v1/jobs/" + id + "/result", {
      method: "PUT",
      headers: { "Content-Type": "application/json", "If-Match": '"' + revision + '"' },
      body: JSON.stringify(corrected),
    }).then(function (r) {
      return r.json().then(function (body) {
        if (r.status === 412) {
          var error = new Error("Not saved: this transcript was changed elsewhere since (revision " +
            (r.headers.get("ETag") || "?").replace(/"/g, "") + "). Reload to see it; your last edit is lost.");
          error.conflict = true;
          throw error;
        }
        if (!r.ok) throw new Error("Not saved: " + body.error.message);
        return body.revision;
      });
    });
  }

  function filter() {
    var needle = $("filter").value.trim().toLowerCase();
    if (!editor) return;
    editor.items().forEach(function (li) {  // a speaker's name finds all they say
      var text = (li.dataset.speaker || "") + " " + li.textContent;
      li.hidden = !!needle && text.toLowerCase().indexOf(needle) < 0;
    });
  }

  $("filter").addEventListener("input", filter);
  $("file").addEventListener("change", function () { upload($("file").files); $("file").value = ""; });
  var drop = $("drop");
  drop.addEventListener("dragover", function (e) { e.preventDefault(); drop.classList.add("over"); });
  drop.addEventListener("dragleave", function () { drop.classList.remove("over"); });
  drop.addEventListener("drop", function (e) { e.preventDefault(); drop.classList.remove("over"); upload(e.dataTransfer.files); });
  $("key-form").addEventListener("submit", function (e) {
    e.preventDefault();
    key = $("key").value.trim();
    sessionStorage.setItem("longscribe-key", key);
    $("key-form").hidden = true;
    say("");
    start();
  });

  function start() {
    api("/v1/models").then(function (r) { return r.json(); }).then(function (doc) {
      $("model").textContent = "model " + doc.data[0].id;
    }).catch(function () {});
    refresh();
    route();
  }

  window.addEventListener("hashchange", route);
  start();
})();
