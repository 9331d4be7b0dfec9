/* The quiz page's script: exam mode, practice mode, progress in localStorage.
   Question, tip and card HTML comes from studyc's renderer (sanitized there); the script only
   places it. No network, no external file: the page works from file:// and offline. */
(function () {
  "use strict";
  var DATA = JSON.parse(document.getElementById("quiz-data").textContent);
  var KEY = "studyc-quiz:" + DATA.slug;
  var LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ";
  var byId = {};
  DATA.questions.forEach(function (q) { byId[q.id] = q; });
  var domainNames = {};
  DATA.domains.forEach(function (d) { domainNames[d.id] = d.name; });
  var $ = function (id) { return document.getElementById(id); };

  // -- storage -----------------------------------------------------------------------------
  function load() {
    var empty = { exam: null, results: [], practice: {} };
    try {
      var raw = window.localStorage.getItem(KEY);
      var got = raw ? JSON.parse(raw) : empty;
      return { exam: got.exam || null, results: got.results || [], practice: got.practice || {} };
    } catch (e) {
      return empty; // storage blocked (some file:// settings): the quiz still works, without memory
    }
  }
  var store = load();
  function save() {
    try { window.localStorage.setItem(KEY, JSON.stringify(store)); } catch (e) { /* see load() */ }
  }

  // -- drawing an exam ---------------------------------------------------------------------
  function shuffle(list) {
    for (var i = list.length - 1; i > 0; i--) {
      var j = Math.floor(Math.random() * (i + 1));
      var t = list[i]; list[i] = list[j]; list[j] = t;
    }
    return list;
  }
  function domainOf(q) { return q.domain && domainNames[q.domain] !== undefined ? q.domain : null; }
  function examSize() {
    var n = DATA.format.questions || DATA.questions.length;
    return Math.min(n, DATA.questions.length);
  }
  // Questions per domain: the domain weights' share of the exam, largest remainders first;
  // questions without a weighted domain only fill what the domains cannot (docs/quiz.md).
  function quotas(n) {
    var pools = {}, other = [];
    DATA.questions.forEach(function (q) {
      var d = domainOf(q);
      if (d === null) { other.push(q.id); return; }
      (pools[d] = pools[d] || []).push(q.id);
    });
    var weighted = DATA.domains.filter(function (d) { return d.weight > 0 && pools[d.id]; });
    var total = weighted.reduce(function (s, d) { return s + d.weight; }, 0);
    var quota = {}, ideal = {}, left = n;
    weighted.forEach(function (d) {
      ideal[d.id] = n * d.weight / total;
      quota[d.id] = Math.min(Math.floor(ideal[d.id]), pools[d.id].length);
      left -= quota[d.id];
    });
    while (left > 0) {
      var open = weighted.filter(function (d) { return quota[d.id] < pools[d.id].length; });
      if (!open.length) break;
      open.sort(function (a, b) { return (ideal[b.id] - quota[b.id]) - (ideal[a.id] - quota[a.id]); });
      for (var i = 0; i < open.length && left > 0; i++) { quota[open[i].id] += 1; left -= 1; }
    }
    DATA.domains.forEach(function (d) { if (pools[d.id] && d.weight === 0) other = other.concat(pools[d.id]); });
    return { quota: quota, pools: pools, other: other, fill: Math.min(left, other.length) };
  }
  function draw() {
    var plan = quotas(examSize()), ids = [];
    Object.keys(plan.quota).forEach(function (d) {
      ids = ids.concat(shuffle(plan.pools[d].slice()).slice(0, plan.quota[d]));
    });
    ids = ids.concat(shuffle(plan.other.slice()).slice(0, plan.fill));
    return shuffle(ids);
  }
  function examMinutes(n) {
    var f = DATA.format;
    if (!f.duration_minutes) return null;
    // fewer questions than the real exam: the same time per question
    return f.questions ? Math.max(1, Math.round(f.duration_minutes * n / f.questions)) : f.duration_minutes;
  }

  // -- scoring -----------------------------------------------------------------------------
  function rightSet(q) {
    return q.options.map(function (o, i) { return o.correct ? i : -1; }).filter(function (i) { return i >= 0; });
  }
  function isRight(q, chosen) {
    var right = rightSet(q);
    chosen = (chosen || []).slice().sort();
    return chosen.length === right.length && right.every(function (v, i) { return chosen[i] === v; });
  }
  function scaled(correct, total) {
    var lo = DATA.format.scale[0], hi = DATA.format.scale[1];
    return Math.round(lo + (hi - lo) * (total ? correct / total : 0));
  }
  function score(exam) {
    var domains = {}, tips = {}, correct = 0;
    exam.ids.forEach(function (id) {
      var q = byId[id];
      if (!q) return;
      var ok = isRight(q, exam.answers[id]);
      correct += ok ? 1 : 0;
      var d = domainOf(q) || "";
      domains[d] = domains[d] || [0, 0];
      domains[d][0] += ok ? 1 : 0; domains[d][1] += 1;
      q.tips.forEach(function (t) { tips[t] = tips[t] || [0, 0]; tips[t][0] += ok ? 1 : 0; tips[t][1] += 1; });
    });
    var total = exam.ids.length, value = scaled(correct, total);
    var pass = DATA.format.passing_score;
    return {
      date: new Date().toISOString(), correct: correct, total: total, score: value,
      passed: pass === null ? null : value >= pass, domains: domains, tips: tips,
      ids: exam.ids, answers: exam.answers
    };
  }

  // -- building blocks -----------------------------------------------------------------------
  function el(tag, attrs, html) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) { node.setAttribute(k, attrs[k]); });
    if (html !== undefined) node.innerHTML = html;
    return node;
  }
  function text(tag, attrs, value) { var n = el(tag, attrs); n.textContent = value; return n; }
  function show(id) {
    ["home", "quiz", "results"].forEach(function (s) { $(s).hidden = s !== id; });
    // the tips and cards give answers away: not during an exam
    $("reference").hidden = id === "quiz" && mode === "exam";
  }
  function questionFieldset(q, number, of, chosen) {
    var fs = el("fieldset", { "data-qid": q.id });
    var legend = el("legend");
    legend.appendChild(text("span", { "class": "number" }, "Question " + number + " of " + of));
    fs.appendChild(legend);
    fs.appendChild(el("div", { "class": "stem" }, q.stem));
    if (q.ask) fs.appendChild(text("p", { "class": "ask" }, q.ask));
    var many = rightSet(q).length;
    if (many > 1) fs.appendChild(text("p", { "class": "hint" }, "Select " + many + " answers."));
    q.options.forEach(function (o, i) {
      var row = el("div", { "class": "option" });
      var id = "opt-" + i;
      var input = el("input", { type: many > 1 ? "checkbox" : "radio", name: "answer", id: id, value: String(i) });
      if ((chosen || []).indexOf(i) >= 0) input.checked = true;
      var label = el("label", { "for": id });
      label.appendChild(text("span", { "class": "letter" }, LETTERS[i] + "."));
      label.appendChild(el("span", { "class": "option-text" }, o.html));
      row.appendChild(input); row.appendChild(label); fs.appendChild(row);
    });
    return fs;
  }
  function chosenIn(form) {
    return Array.prototype.filter.call(form.querySelectorAll("input[name=answer]"), function (i) { return i.checked; })
      .map(function (i) { return Number(i.value); });
  }
  function learnLinks(q) {
    var box = el("div", { "class": "learn" });
    if (q.tips.length) {
      var p = el("p"); p.appendChild(document.createTextNode("Exam tip: "));
      q.tips.forEach(function (t, i) {
        if (i) p.appendChild(document.createTextNode(" · "));
        p.appendChild(text("a", { href: "#tip-" + t }, t));
      });
      box.appendChild(p);
    }
    if (q.cards.length) {
      var c = el("p"); c.appendChild(document.createTextNode("Card: "));
      q.cards.forEach(function (id, i) {
        if (i) c.appendChild(document.createTextNode(" · "));
        c.appendChild(text("a", { href: "#card-" + id }, id));
      });
      box.appendChild(c);
    }
    return box;
  }
  function explain(q, chosen, into) {
    var ok = isRight(q, chosen);
    into.className = ok ? "good" : "bad";
    into.innerHTML = "";
    var letters = rightSet(q).map(function (i) { return LETTERS[i]; }).join(", ");
    into.appendChild(text("p", { "class": "verdict" }, ok ? "Correct." : "Not quite: the answer is " + letters + "."));
    if (q.explanation) into.appendChild(el("div", { "class": "explanation" }, q.explanation));
    into.appendChild(learnLinks(q));
    return ok;
  }
  function markOptions(q, form) {
    form.querySelectorAll(".option").forEach(function (row, i) {
      row.classList.add(q.options[i].correct ? "right" : "wrong");
      row.querySelector("input").disabled = true;
    });
  }

  // -- exam mode ---------------------------------------------------------------------------
  var mode = null, timerHandle = null, practiceId = null, checked = false;
  function startExam() {
    var ids = draw(), minutes = examMinutes(ids.length);
    store.exam = { ids: ids, answers: {}, index: 0, deadline: minutes ? Date.now() + minutes * 60000 : null };
    save();
    openExam();
  }
  function openExam() {
    mode = "exam"; show("quiz");
    $("quiz-title").textContent = "Exam mode";
    $("check").hidden = true; $("prev").hidden = false; $("finish").hidden = false;
    tick(); if (store.exam.deadline) timerHandle = window.setInterval(tick, 1000);
    renderExamQuestion(true);
  }
  function tick() {
    var timer = $("timer"), exam = store.exam;
    if (!exam || !exam.deadline) { timer.hidden = true; return; }
    var left = Math.max(0, Math.round((exam.deadline - Date.now()) / 1000));
    var h = Math.floor(left / 3600), m = Math.floor(left % 3600 / 60), s = left % 60;
    timer.hidden = false;
    timer.textContent = "Time left " + h + ":" + (m < 10 ? "0" : "") + m + ":" + (s < 10 ? "0" : "") + s;
    timer.classList.toggle("low", left < 300);
    if (left === 0) finishExam();
  }
  function renderExamQuestion(focus) {
    var exam = store.exam, q = byId[exam.ids[exam.index]], box = $("question");
    box.innerHTML = ""; $("feedback").innerHTML = ""; $("feedback").className = "";
    box.appendChild(questionFieldset(q, exam.index + 1, exam.ids.length, exam.answers[q.id]));
    $("prev").disabled = exam.index === 0;
    $("next").hidden = exam.index === exam.ids.length - 1;
    if (focus) box.querySelector("input").focus();
  }
  function keepAnswer() {
    var exam = store.exam;
    if (mode !== "exam" || !exam) return;
    exam.answers[exam.ids[exam.index]] = chosenIn($("quiz-form"));
    save();
  }
  function move(step) {
    keepAnswer();
    store.exam.index = Math.max(0, Math.min(store.exam.ids.length - 1, store.exam.index + step));
    save(); renderExamQuestion(true);
  }
  function finishExam() {
    if (!store.exam) return;
    keepAnswer();
    if (timerHandle) window.clearInterval(timerHandle);
    timerHandle = null; $("timer").hidden = true;
    var result = score(store.exam);
    store.results.push(result); store.exam = null; save();
    showResult(result);
  }

  // -- results -------------------------------------------------------------------------------
  function breakdown(caption, counts, name, key) {
    var table = el("table", { id: key + "-breakdown" });
    table.appendChild(text("caption", {}, caption));
    var head = el("tr");
    [name, "Right", "%"].forEach(function (h, i) {
      head.appendChild(text("th", { scope: "col", "class": i ? "num" : "" }, h));
    });
    table.appendChild(head);
    Object.keys(counts).forEach(function (k) {
      var c = counts[k], label = key === "domain" ? (domainNames[k] || "No domain") : k;
      var tr = el("tr", { "data-key": k, "data-correct": String(c[0]), "data-total": String(c[1]) });
      tr.appendChild(text("th", { scope: "row" }, label));
      tr.appendChild(text("td", { "class": "num" }, c[0] + " of " + c[1]));
      tr.appendChild(text("td", { "class": "num" }, String(Math.round(100 * c[0] / c[1]))));
      table.appendChild(tr);
    });
    return table;
  }
  function showResult(r) {
    show("results");
    var body = $("result-body"), f = DATA.format;
    body.innerHTML = "";
    var p = el("p", { "class": "score", id: "score" });
    p.textContent = r.score + " / " + f.scale[1];
    body.appendChild(p);
    var verdict = r.passed === null ? "" : (r.passed ? "Pass" : "Fail") + " (pass mark " + f.passing_score + ")";
    if (verdict) body.appendChild(text("p", { "class": r.passed ? "pass" : "fail", id: "verdict" }, verdict));
    body.appendChild(text("p", { id: "correct-count" }, r.correct + " of " + r.total + " questions right."));
    body.appendChild(breakdown("Per domain", r.domains, "Domain", "domain"));
    body.appendChild(breakdown("Per exam tip", r.tips, "Exam tip", "tip"));
    var review = el("ol", { "class": "review" });
    r.ids.forEach(function (id) {
      var q = byId[id]; if (!q) return;
      var li = el("li");
      li.appendChild(el("div", { "class": "stem" }, q.stem));
      explain(q, r.answers[id], li.appendChild(el("div")));
      review.appendChild(li);
    });
    var details = el("details"); details.appendChild(text("summary", {}, "Review every question"));
    details.appendChild(review); body.appendChild(details);
    $("results-title").focus();
  }

  // -- practice mode -------------------------------------------------------------------------
  function nextPractice() {
    // unseen questions first, then the ones most often missed
    var seen = store.practice;
    var pool = DATA.questions.filter(function (q) { return !seen[q.id] && q.id !== practiceId; });
    if (!pool.length) {
      var worst = DATA.questions.slice().sort(function (a, b) {
        var sa = seen[a.id] || [0, 0], sb = seen[b.id] || [0, 0];
        return (sa[0] / (sa[1] || 1)) - (sb[0] / (sb[1] || 1));
      });
      pool = worst.slice(0, Math.max(1, Math.ceil(worst.length / 4))).filter(function (q) { return q.id !== practiceId; });
      if (!pool.length) pool = worst;
    }
    return pool[Math.floor(Math.random() * pool.length)];
  }
  function openPractice() {
    mode = "practice"; show("quiz");
    $("quiz-title").textContent = "Practice mode";
    $("prev").hidden = true; $("finish").hidden = true; $("timer").hidden = true;
    renderPractice(nextPractice());
  }
  function renderPractice(q) {
    practiceId = q.id; checked = false;
    var box = $("question"), done = Object.keys(store.practice).length;
    box.innerHTML = ""; $("feedback").innerHTML = ""; $("feedback").className = "";
    box.appendChild(questionFieldset(q, done + 1, DATA.questions.length, []));
    box.querySelector("legend .number").textContent = "Practice question (" + done + " of " + DATA.questions.length + " seen)";
    $("check").hidden = false; $("next").hidden = true;
    box.querySelector("input").focus();
  }
  function checkPractice() {
    var q = byId[practiceId], form = $("quiz-form"), chosen = chosenIn(form);
    if (!chosen.length) { $("feedback").className = "bad"; $("feedback").textContent = "Choose an answer first."; return; }
    var ok = explain(q, chosen, $("feedback"));
    var seen = store.practice[q.id] || [0, 0];
    store.practice[q.id] = [seen[0] + (ok ? 1 : 0), seen[1] + 1]; save();
    markOptions(q, form); checked = true;
    $("check").hidden = true; $("next").hidden = false; $("next").focus();
  }

  // -- start page and reference ---------------------------------------------------------------
  function home() {
    if (timerHandle) window.clearInterval(timerHandle);
    timerHandle = null; mode = null; $("timer").hidden = true;
    show("home");
    var n = examSize(), minutes = examMinutes(n), f = DATA.format;
    var parts = [n + " questions drawn by domain weight"];
    if (minutes) parts.push(minutes + " minutes");
    parts.push("scored " + f.scale[0] + "–" + f.scale[1] + (f.passing_score !== null ? ", pass mark " + f.passing_score : ""));
    $("exam-summary").textContent = parts.join(", ") + ".";
    $("start-exam").disabled = DATA.questions.length === 0;
    $("start-practice").disabled = DATA.questions.length === 0;
    $("resume-exam").hidden = !store.exam;
    var history = $("history");
    history.innerHTML = "";
    var seen = Object.keys(store.practice).length;
    if (seen) history.appendChild(text("p", { id: "practice-progress" }, "Practice: " + seen + " of " + DATA.questions.length + " questions answered."));
    if (store.results.length) {
      history.appendChild(text("h3", {}, "Earlier exams"));
      var list = el("ol", { id: "past-results" });
      store.results.forEach(function (r, i) {
        var li = el("li");
        var verdict = r.passed === null ? "" : r.passed ? " – pass" : " – fail";
        li.appendChild(text("button", { type: "button", "class": "quiet", "data-result": String(i) },
          r.score + " / " + f.scale[1] + verdict + " (" + r.correct + " of " + r.total + ", " + r.date.slice(0, 10) + ")"));
        list.appendChild(li);
      });
      history.appendChild(list);
    }
  }
  function reference() {
    var body = $("reference-body");
    Object.keys(DATA.tips).forEach(function (id) {
      var div = el("div", { "class": "ref", id: "tip-" + id });
      div.appendChild(text("p", { "class": "kind" }, "Exam tip · " + id));
      div.appendChild(el("div", {}, DATA.tips[id]));
      body.appendChild(div);
    });
    Object.keys(DATA.cards).forEach(function (id) {
      var c = DATA.cards[id], div = el("div", { "class": "ref", id: "card-" + id });
      div.appendChild(text("p", { "class": "kind" }, "Card · " + c.where));
      div.appendChild(el("div", { "class": "front" }, c.front));
      if (c.back) div.appendChild(el("div", { "class": "back" }, c.back));
      body.appendChild(div);
    });
  }

  $("start-exam").addEventListener("click", startExam);
  $("resume-exam").addEventListener("click", openExam);
  $("start-practice").addEventListener("click", openPractice);
  $("prev").addEventListener("click", function () { move(-1); });
  $("finish").addEventListener("click", finishExam);
  $("check").addEventListener("click", checkPractice);
  $("home-button").addEventListener("click", function () { keepAnswer(); home(); });
  $("results-home").addEventListener("click", home);
  $("quiz-form").addEventListener("change", keepAnswer);
  $("quiz-form").addEventListener("submit", function (event) {
    event.preventDefault(); // Enter or "Next": the next question, never a page load
    if (mode === "exam") move(1);
    else if (mode === "practice" && checked) renderPractice(nextPractice());
    else if (mode === "practice") checkPractice();
  });
  $("history").addEventListener("click", function (event) {
    var i = event.target.getAttribute && event.target.getAttribute("data-result");
    if (i !== null && i !== undefined) showResult(store.results[Number(i)]);
  });
  $("reset").addEventListener("click", function () {
    store = { exam: null, results: [], practice: {} }; save(); home();
  });
  reference();
  home();
}());
