// The page's Live section: the browser's microphone -> an AudioWorklet -> PCM16 at 24 kHz -> /v1/realtime
// (OpenAI's Realtime transcription protocol, server VAD), final text as it comes and the tail in grey.
// The session is kept as a job (?keep=true): when it stops, its recording is transcribed as an upload.
(function () {
  "use strict";
  var $ = function (id) { return document.getElementById(id); };
  var RATE = 24000, SEND_EVERY = 2400;  // 100 ms
  var socket = null, context = null, media = null, pending = [], waiting = 0, items = {}, order = [];

  function state(text) { $("live-state").textContent = text; }

  function show(partial) {
    $("live-final").textContent = order.map(function (id) { return items[id]; }).filter(Boolean).join("\n");
    $("live-partial").textContent = partial ? (order.length ? " " : "") + partial : "";
  }

  function base64(samples) {  // float samples in -1..1 -> PCM16 little-endian, base64
    var bytes = new Uint8Array(samples.length * 2), view = new DataView(bytes.buffer);
    for (var i = 0; i < samples.length; i++) {
      var s = Math.max(-1, Math.min(1, samples[i]));
      view.setInt16(i * 2, s < 0 ? s * 32768 : s * 32767, true);
    }
    var text = "";
    for (var j = 0; j < bytes.length; j += 8192) text += String.fromCharCode.apply(null, bytes.subarray(j, j + 8192));
    return btoa(text);
  }

  function heard(block) {
    pending.push(block);
    waiting += block.length;
    if (waiting < SEND_EVERY || !socket || socket.readyState !== 1) return;
    var all = new Float32Array(waiting), at = 0;
    pending.forEach(function (b) { all.set(b, at); at += b.length; });
    pending = []; waiting = 0;
    socket.send(JSON.stringify({ type: "input_audio_buffer.append", audio: base64(all) }));
  }

  function received(message) {
    var event = JSON.parse(message.data), id = event.item_id;
    if (id && !(id in items)) { items[id] = ""; order.push(id); }
    if (event.type === "conversation.item.input_audio_transcription.delta") { items[id] += event.delta; show(""); }
    else if (event.type === "longscribe.input_audio_transcription.partial") show(event.text);
    else if (event.type === "conversation.item.input_audio_transcription.completed") { items[id] = event.transcript; show(""); }
    else if (event.type === "longscribe.job.created") state("listening; kept as job " + event.job.file);
    else if (event.type === "error" && event.error.code !== "input_audio_buffer_commit_empty") state(event.error.message);
    else if (event.type === "error" && socket && socket.stopping) socket.close();  // the last commit: all text has come
  }

  function start() {
    var key = sessionStorage.getItem("longscribe-key") || "";
    $("live-start").disabled = true;
    items = {}; order = []; show("");
    state("asking for the microphone");
    var audio = { channelCount: 1, echoCancellation: false, noiseSuppression: false, autoGainControl: false };
    navigator.mediaDevices.getUserMedia({ audio: audio }).then(function (stream) {
      media = stream;
      context = new AudioContext({ sampleRate: RATE });
      return context.audioWorklet.addModule("/page/pcm-worklet.js");
    }).then(function () {
      var url = (location.protocol === "https:" ? "wss://" : "ws://") + location.host +
        "/v1/realtime?intent=transcription&keep=true&partials=true" + (key ? "&access_token=" + encodeURIComponent(key) : "");
      socket = new WebSocket(url);
      socket.onmessage = received;
      socket.onclose = stopped;
      socket.onopen = function () {
        var language = $("language").value || null;
        socket.send(JSON.stringify({ type: "session.update", session: { type: "transcription", audio: { input: {
          format: { type: "audio/pcm", rate: RATE }, transcription: { language: language },
          turn_detection: { type: "server_vad" } } } } }));
        var source = context.createMediaStreamSource(media), tap = new AudioWorkletNode(context, "pcm-tap");
        tap.port.onmessage = function (e) { heard(e.data); };
        source.connect(tap);
        $("live-stop").disabled = false;
        state("listening");
      };
    }).catch(function (error) { state("no microphone: " + error.message); release(); $("live-start").disabled = false; });
  }

  function release() {
    if (media) media.getTracks().forEach(function (t) { t.stop(); });
    if (context) context.close();
    media = null; context = null;
  }

  function stop() {  // what was said is committed; the second commit has nothing left, and its error
    $("live-stop").disabled = true;  // comes after every event of the first: then the socket closes
    release();
    if (socket && socket.readyState === 1) {
      socket.stopping = true;
      heard(new Float32Array(SEND_EVERY));
      socket.send(JSON.stringify({ type: "input_audio_buffer.commit" }));
      socket.send(JSON.stringify({ type: "input_audio_buffer.commit" }));
      state("finishing");
    }
  }

  function stopped() {
    release();
    socket = null;
    show("");
    state("stopped; the recording is transcribed as a job below");
    $("live-start").disabled = false;
    $("live-stop").disabled = true;
  }

  $("live-start").addEventListener("click", start);
  $("live-stop").addEventListener("click", stop);
})();
