// The transcript page: click a sentence to play from it, follow the sentence being played,
// search with highlights and a count, keys (space: play/pause, left/right: 5 s), a
// recording opened by hand when the page cannot load its own, and "Edit": the editor
// (editor.js) on the segments' data, whose corrections download as JSON for export --apply.
(function () {
  "use strict";
  var player = document.getElementById("player");
  var search = document.getElementById("search");
  var count = document.getElementById("count");
  var spans = null, starts = null, current = null;

  function index() {  // built on first use, so a 4-hour page opens at once
    if (spans === null) {
      spans = Array.prototype.slice.call(document.querySelectorAll("main .s"));
      starts = spans.map(function (s) { return parseFloat(s.dataset.start); });
    }
  }

  function at(time) {  // the last sentence that starts at or before ``time``
    var lo = 0, hi = starts.length - 1, found = -1;
    while (lo <= hi) {
      var mid = (lo + hi) >> 1;
      if (starts[mid] <= time) { found = mid; lo = mid + 1; } else { hi = mid - 1; }
    }
    return found;
  }

  function follow() {
    index();
    var i = at(player.currentTime + 0.01);
    var next = i >= 0 ? spans[i] : null;
    if (next === current) return;
    if (current) current.classList.remove("now");
    current = next;
    if (current) {
      current.classList.add("now");
      var box = current.getBoundingClientRect();
      if (box.top < 80 || box.bottom > window.innerHeight) current.scrollIntoView({ block: "center" });
    }
  }

  document.querySelector("main").addEventListener("click", function (event) {
    var target = event.target.closest ? event.target.closest(".s, .stamp") : null;
    if (!target || !player) return;
    event.preventDefault();
    player.currentTime = parseFloat(target.dataset.start);
    var playing = player.play();
    if (playing && playing.catch) playing.catch(function () {});
    follow();
  });

  if (player) {
    player.addEventListener("timeupdate", follow);
    player.addEventListener("seeked", follow);
  }

  // The recording cannot be loaded (the page was moved or sent) or there is none: say so, and
  // play a file the reader opens instead (it stays on their machine).
  var opener = document.getElementById("open"), file = document.getElementById("file");
  function missing(why) {
    if (!opener || player.dataset.opened) return;
    document.getElementById("why").textContent = why;
    opener.hidden = false;
  }
  if (player && opener) {
    if (!player.getAttribute("src")) missing("no recording");
    else if (player.error) missing("recording not found");  // failed before this script ran
    player.addEventListener("error", function () { missing("recording not found"); });
    file.addEventListener("change", function () {
      var chosen = file.files && file.files[0];
      if (!chosen) return;
      player.dataset.opened = chosen.name;
      player.src = URL.createObjectURL(chosen);
      opener.hidden = true;
    });
  }

  document.addEventListener("keydown", function (event) {
    if (!player || event.target.tagName === "INPUT" || event.altKey || event.ctrlKey || event.metaKey) return;
    if (event.key === " ") {
      event.preventDefault();
      if (player.paused) { var p = player.play(); if (p && p.catch) p.catch(function () {}); } else { player.pause(); }
    } else if (event.key === "ArrowLeft" || event.key === "ArrowRight") {
      event.preventDefault();
      player.currentTime = Math.max(0, player.currentTime + (event.key === "ArrowLeft" ? -5 : 5));
    }
  });

  function unmark() {
    var marks = document.querySelectorAll("main mark");
    for (var i = 0; i < marks.length; i++) {
      var m = marks[i], parent = m.parentNode;
      parent.replaceChild(document.createTextNode(m.textContent), m);
      parent.normalize();
    }
  }

  function find(query) {
    index();
    unmark();
    var needle = query.trim().toLowerCase(), found = 0, first = null;
    if (needle) {
      for (var i = 0; i < spans.length; i++) {
        var span = spans[i], text = span.textContent, lower = text.toLowerCase();
        var from = 0, at = lower.indexOf(needle, from);
        if (at < 0) continue;
        var parts = document.createDocumentFragment();
        while (at >= 0) {
          parts.appendChild(document.createTextNode(text.slice(from, at)));
          var mark = document.createElement("mark");
          mark.textContent = text.slice(at, at + needle.length);
          parts.appendChild(mark);
          if (!first) first = mark;
          found += 1;
          from = at + needle.length;
          at = lower.indexOf(needle, from);
        }
        parts.appendChild(document.createTextNode(text.slice(from)));
        span.textContent = "";
        span.appendChild(parts);
      }
    }
    count.textContent = needle ? found + (found === 1 ? " match" : " matches") : "";
    if (first) first.scrollIntoView({ block: "center" });
  }

  var timer = null;
  if (search) {
    search.addEventListener("input", function () {
      clearTimeout(timer);
      timer = setTimeout(function () { find(search.value); }, 150);
    });
  }
  var about = JSON.parse(document.getElementById("info").textContent), editor = null;
  document.getElementById("edit").addEventListener("click", function () {
    if (editor) return;
    var data = Array.prototype.map.call(document.querySelectorAll("script.d"), function (s) {
      var segment = JSON.parse(s.textContent);  // words come as [start, end, word, probability]
      if (segment.w) segment.words = segment.w.map(function (w) { return { start: w[0], end: w[1], word: w[2], probability: w[3] }; });
      delete segment.w;
      return segment;
    });
    document.querySelector("main").hidden = true;
    search.hidden = true; count.hidden = true; this.hidden = true;
    document.getElementById("editor").hidden = false;
    var tools = document.getElementById("editor-tools");
    editor = window.LongscribeEditor({
      list: document.getElementById("segments"), tools: tools, player: player,
      doc: { segments: data, revision: about.revision }, revision: about.revision,
    });
    var save = document.createElement("button");
    save.id = "download-json"; save.type = "button"; save.textContent = "Download corrected JSON";
    save.title = "Keep the corrections: longscribe export FILE --apply this.json";
    save.addEventListener("click", function () {
      var link = document.createElement("a");
      link.href = URL.createObjectURL(new Blob([JSON.stringify(editor.doc(), null, 1)], { type: "application/json" }));
      link.download = about.file.replace(/\.[^.]*$/, "") + ".corrected.json";
      document.body.appendChild(link);
      link.click();
      link.remove();
    });
    tools.appendChild(save);
  });
  window.longscribe = { find: find, editor: function () { return editor; } };
})();
