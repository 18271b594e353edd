// The transcript editor, shared by the service page and the standalone page (-f html).
// It edits a document in the json format's shape and gives it back whole (editor.doc()).
// Word times survive edits as longscribe.revisions.edits keeps them: unchanged words keep theirs,
// a word typed over another shares out that word's span, a deleted word vanishes. Everything
// shown is set as text, never as HTML.
(function () {
  "use strict";
  var LOW = 0.5;  // a word heard with a lower probability is marked unsure

  function clock(seconds) {
    var s = Math.floor(seconds), h = Math.floor(s / 3600), m = Math.floor(s / 60) % 60;
    return (h ? h + ":" + String(m).padStart(2, "0") : m) + ":" + String(s % 60).padStart(2, "0");
  }
  function split(text) { return text.split(/\s+/).filter(Boolean); }
  function ms(t) { return Math.round(t * 1000) / 1000; }
  function spread(texts, start, end) {  // words sharing [start, end) out evenly
    var step = (end - start) / texts.length;
    return texts.map(function (t, i) {
      return { word: " " + t, start: ms(start + i * step), end: ms(start + (i + 1) * step), probability: 1 };
    });
  }
  function retext(s) { s.text = s.words.map(function (w) { return w.word; }).join(""); }
  function element(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined) node.textContent = text;
    return node;
  }

  // options: list (an <ol>), tools (a container for the buttons), player (an <audio>), doc,
  // revision (what doc is), save(doc, revision) -> Promise of the saved revision (optional).
  function Editor(options) {
    var list = options.list, player = options.player, base = options.revision || 0;
    var segments = [], undos = [], redos = [], selected = null, now = -1;
    var saving = false, again = false, stopped = false, timer = null;

    var tools = options.tools;
    tools.textContent = "";
    var undoButton = button("undo", "Undo", "Undo (Ctrl+Z)", function () { undo(); });
    var redoButton = button("redo", "Redo", "Redo (Ctrl+Shift+Z)", function () { redo(); });
    var lowButton = button("next-low", "Next unsure word", "The next word the model was unsure of", nextLow);
    var target = element("input");
    target.id = "to-speaker"; target.placeholder = "Speaker"; target.setAttribute("list", "speaker-names");
    target.setAttribute("aria-label", "Speaker to give the selected words to");
    var names = element("datalist"); names.id = "speaker-names";
    var moveSegment = button("move-segment", "Give segment", "Give the selected word's segment to this speaker",
      function () { move(false); });
    var moveRest = button("move-rest", "Give from word on", "Give the segment from the selected word on to this speaker",
      function () { move(true); });
    var state = element("span", "state"); state.id = "save-state"; state.setAttribute("role", "status");
    [undoButton, redoButton, lowButton, target, names, moveSegment, moveRest, state].forEach(function (n) { tools.appendChild(n); });

    function button(id, label, title, action) {
      var b = element("button", null, label);
      b.id = id; b.type = "button"; b.title = title;
      b.addEventListener("click", action);
      return b;
    }
    function say(text, bad) { state.textContent = text; state.classList.toggle("bad", !!bad); }

    function load(doc) {
      segments = doc.segments.map(function (s) {
        var copy = JSON.parse(JSON.stringify(s));
        copy.timed = Array.isArray(s.words) && s.words.length > 0;
        if (!copy.timed) copy.words = split(s.text).map(function (w) { return { word: " " + w, start: s.start, end: s.end, probability: 1 }; });
        return copy;
      });
      render();
    }

    function speakers() {
      var seen = [];
      segments.forEach(function (s) { if (s.speaker && seen.indexOf(s.speaker) < 0) seen.push(s.speaker); });
      return seen;
    }

    function row(i) {  // segment i as a list item (its speaker's name shown where the speaker changes)
      var s = segments[i], previous = i > 0 ? segments[i - 1].speaker || null : null;
      var li = element("li");
      li.dataset.index = i;
      li.dataset.start = s.start;
      if (s.edited) { li.classList.add("edited"); li.title = "edited"; }
      var text = element("span", "text");
      if (s.speaker) {
        li.dataset.speaker = s.speaker;
        if (s.speaker !== previous) {
          var who = element("b", "who", s.speaker);
          who.title = "Rename this speaker everywhere (a name already used merges the two)";
          text.appendChild(who);
          li.classList.add("turn");
        }
      }
      s.words.forEach(function (w, k) {
        text.appendChild(document.createTextNode(" "));
        var span = element("span", "w", w.word.trim());
        span.dataset.word = k;
        if (s.timed && w.probability < LOW) span.classList.add("low");
        text.appendChild(span);
      });
      li.appendChild(element("time", null, clock(s.start)));
      li.appendChild(text);
      return li;
    }

    function render() {  // every row
      list.textContent = "";
      var rows = document.createDocumentFragment();
      segments.forEach(function (s, i) { rows.appendChild(row(i)); });
      list.appendChild(rows);
      settle();
    }

    // Rows [first, first + removed) replaced by ``added`` rows from segment ``first`` on; the row after
    // them is drawn again (where a name is shown depends on the row before), the rest renumbered.
    function redraw(first, removed, added) {
      var old = Array.prototype.slice.call(list.children, first, first + removed + 1);
      var after = old.length > removed ? old[removed].nextSibling : null;
      old.forEach(function (li) { li.remove(); });
      var rows = document.createDocumentFragment();
      for (var i = first; i < Math.min(segments.length, first + added + 1); i++) rows.appendChild(row(i));
      list.insertBefore(rows, after);
      if (removed !== added) {
        for (var li = after; li; li = li.nextSibling) li.dataset.index = +li.dataset.index + added - removed;
      }
      settle();
    }

    function settle() {  // what follows from the rows: speakers offered, unsure words counted, buttons
      names.textContent = "";
      speakers().forEach(function (name) { var o = element("option"); o.value = name; names.appendChild(o); });
      lowButton.textContent = "Next unsure word (" + list.querySelectorAll(".w.low").length + ")";
      undoButton.disabled = !undos.length;
      redoButton.disabled = !redos.length;
      now = -1;
      follow();
    }

    function snapshot() { return JSON.stringify(segments); }
    // ``action`` changes the segments and returns [first, removed, added] for redraw, or nothing: all of them.
    function change(action) {
      undos.push(snapshot());
      redos = [];
      var changed = action();
      if (changed) redraw(changed[0], changed[1], changed[2]); else render();
      schedule();
    }
    function undo() { if (undos.length) { redos.push(snapshot()); segments = JSON.parse(undos.pop()); render(); schedule(); } }
    function redo() { if (redos.length) { undos.push(snapshot()); segments = JSON.parse(redos.pop()); render(); schedule(); } }

    function item(i) { return list.querySelector('li[data-index="' + i + '"]'); }
    function wordSpan(i, k) { var li = item(i); return li && li.querySelector('.w[data-word="' + k + '"]'); }

    function seek(seconds) {
      if (!player || !player.getAttribute("src")) return;
      player.currentTime = seconds;
    }

    // A word typed over: nothing (deleted), one or more words sharing its span.
    function replaceWord(i, k, texts) {
      var s = segments[i], w = s.words[k];
      s.words.splice.apply(s.words, [k, 1].concat(spread(texts, w.start, w.end)));
      s.edited = true;
      if (!s.words.length) { segments.splice(i, 1); return true; }
      retext(s);
      return false;
    }

    // An input in place of ``node``, committed by Enter, Tab (Shift: backwards) or leaving it, given up
    // by Escape; commit(value, how) says whether it changed the transcript (else the node comes back).
    function inline(node, value, label, className, commit) {
      var input = element("input", className);
      input.value = value;
      input.size = Math.max(4, value.length + 2);
      input.setAttribute("aria-label", label);
      node.replaceWith(input);
      input.focus();
      input.select();
      var done = false;
      function finish(how) {
        if (done) return;
        done = true;
        if (!(how !== "cancel" && commit(input.value, how)) && input.parentNode) input.replaceWith(node);
      }
      input.addEventListener("keydown", function (event) {
        if (event.key === "Enter" || event.key === "Tab") {
          event.preventDefault();
          finish(event.shiftKey ? "previous" : "next");
        } else if (event.key === "Escape") {
          event.preventDefault();
          finish("cancel");
        }
      });
      input.addEventListener("blur", function () { finish("keep"); });
    }

    function editWord(i, k) {
      var span = wordSpan(i, k);
      if (!span) return;
      selected = { i: i, k: k };
      seek(segments[i].words[k].start);
      inline(span, span.textContent, "Word", "edit", function (value, how) {
        var typed = split(value), removed = false, changed = typed.join(" ") !== segments[i].words[k].word.trim();
        if (changed) change(function () { removed = replaceWord(i, k, typed); return [i, 1, removed ? 0 : 1]; });
        var next = how === "next" ? (removed ? i : i + 1) : how === "previous" ? i - 1 : -1;
        if (how !== "keep" && next >= 0 && next < segments.length) setTimeout(function () { editWord(next, 0); });
        return changed;
      });
    }

    function renameSpeaker(who) {
      var old = who.textContent;
      inline(who, old, "Speaker's name", "edit who-edit", function (value) {
        var name = value.trim();
        if (!name || name === old) return false;
        change(function () {
          segments.forEach(function (s) { if (s.speaker === old) { s.speaker = name; s.edited = true; } });
        });
        return true;
      });
    }

    function move(rest) {
      var name = target.value.trim();
      if (!selected || !segments[selected.i]) { say("click a word first", true); return; }
      if (!name) { say("type the speaker to give it to", true); target.focus(); return; }
      var i = selected.i, k = selected.k;
      change(function () {
        var s = segments[i];
        if (rest && k > 0 && k < s.words.length && s.timed) {
          var tail = JSON.parse(JSON.stringify(s));
          tail.words = s.words.slice(k);
          s.words = s.words.slice(0, k);
          tail.start = tail.words[0].start;
          s.end = Math.max(s.start, tail.start);
          retext(s); retext(tail);
          tail.speaker = name; tail.edited = true;
          segments.splice(i + 1, 0, tail);
          s.edited = true;
          return [i, 1, 2];
        }
        s.speaker = name;
        s.edited = true;
        return [i, 1, 1];
      });
    }

    function nextLow() {
      var from = selected ? selected : { i: 0, k: -1 };
      for (var i = from.i; i < segments.length; i++) {
        var s = segments[i];
        if (!s.timed) continue;
        for (var k = i === from.i ? from.k + 1 : 0; k < s.words.length; k++) {
          if (s.words[k].probability < LOW) {
            wordSpan(i, k).scrollIntoView({ block: "center" });
            editWord(i, k);
            return;
          }
        }
      }
      say("no unsure word after this one");
    }

    function follow() {  // the segment playing is marked
      if (!player) return;
      var t = player.currentTime + 0.01, lo = 0, hi = segments.length - 1, found = -1;
      while (lo <= hi) {
        var mid = (lo + hi) >> 1;
        if (segments[mid].start <= t) { found = mid; lo = mid + 1; } else { hi = mid - 1; }
      }
      if (found === now) return;
      var old = item(now);
      if (old) old.classList.remove("now");
      now = found;
      var li = item(now);
      if (li) {
        li.classList.add("now");
        if (!list.contains(document.activeElement)) li.scrollIntoView({ block: "nearest" });
      }
    }

    function doc() {
      var out = segments.map(function (s, i) {
        var copy = {};
        Object.keys(s).forEach(function (key) { if (key !== "timed" && key !== "words") copy[key] = s[key]; });
        copy.id = i;
        copy.text = s.timed ? s.words.map(function (w) { return w.word; }).join("") : " " + s.words.map(function (w) { return w.word.trim(); }).join(" ");
        if (s.timed) copy.words = s.words.map(function (w) { return { word: w.word, start: w.start, end: w.end, probability: w.probability }; });
        if (!s.speaker) delete copy.speaker;
        return copy;
      });
      return {
        revision: base,
        segments: out,
        speakers: speakers(),
        text: out.map(function (s) { return s.text; }).join("").trim(),
      };
    }

    function schedule() {
      if (!options.save) { say("edited: download the corrected JSON to keep it"); return; }
      if (stopped) return;
      say("unsaved changes");
      clearTimeout(timer);
      timer = setTimeout(flush, options.delay || 600);
    }
    function flush() {
      if (saving) { again = true; return; }
      saving = true;
      say("saving…");
      options.save(doc(), base).then(function (revision) {
        base = revision;
        say("saved · revision " + revision);
      }, function (error) {
        stopped = !!error.conflict;
        say(error.message, true);
      }).then(function () {
        saving = false;
        if (again && !stopped) { again = false; flush(); }
      });
    }

    list.addEventListener("click", function (event) {
      var word = event.target.closest(".w"), who = event.target.closest(".who");
      var li = event.target.closest("li");
      if (who) { renameSpeaker(who); return; }
      if (word && li) { editWord(+li.dataset.index, +word.dataset.word); playing(); return; }
      if (li && event.target.tagName !== "INPUT") { selected = { i: +li.dataset.index, k: 0 }; seek(segments[+li.dataset.index].start); playing(); }
    });
    function playing() {
      if (!player || !player.getAttribute("src")) return;
      var p = player.play();
      if (p && p.catch) p.catch(function () {});
    }
    function keys(event) {
      if (!(event.ctrlKey || event.metaKey)) return;
      var inInput = event.target.tagName === "INPUT" && event.target.className.indexOf("edit") < 0;
      if (event.key === " " || event.code === "Space") {
        event.preventDefault();
        if (player && player.paused) playing(); else if (player) player.pause();
      } else if ((event.key === "z" || event.key === "Z") && !inInput) {
        event.preventDefault();
        if (document.activeElement && document.activeElement.blur) document.activeElement.blur();
        if (event.shiftKey) redo(); else undo();
      } else if (event.key === "y" && !inInput) {
        event.preventDefault();
        redo();
      }
    }
    document.addEventListener("keydown", keys);
    if (player) { player.addEventListener("timeupdate", follow); player.addEventListener("seeked", follow); }

    load(options.doc);
    return {
      doc: doc,
      undo: undo,
      redo: redo,
      items: function () { return Array.prototype.slice.call(list.children); },
      flush: function () { clearTimeout(timer); if (!stopped && options.save) flush(); },
      close: function () {
        document.removeEventListener("keydown", keys);
        if (player) { player.removeEventListener("timeupdate", follow); player.removeEventListener("seeked", follow); }
        clearTimeout(timer);
      },
    };
  }

  window.LongscribeEditor = Editor;
})();
