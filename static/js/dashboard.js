// Dashboard charts (Chart.js, served locally). Every chart has its numbers in a table beside it, so the
// canvas is a picture of the table: without JavaScript, or with a screen reader, nothing is lost.
document.addEventListener("DOMContentLoaded", () => {
  // The period form shows only the fields of the chosen kind of period.
  const form = document.querySelector("[data-period-form]");
  if (form) {
    const kind = form.querySelector("select[name=period]");
    const sync = () => form.querySelectorAll("[data-for-period]").forEach((el) => {
      const on = el.dataset.forPeriod === kind.value;
      el.hidden = !on;
      el.querySelectorAll("input, select").forEach((input) => { input.disabled = !on; });
    });
    kind.addEventListener("change", sync);
    sync();
  }

  const source = document.getElementById("chart-data");
  if (!source || typeof Chart === "undefined") return;
  const data = JSON.parse(source.textContent);
  const still = window.matchMedia("(prefers-reduced-motion: reduce)").matches;
  Chart.defaults.animation = still ? false : Chart.defaults.animation;
  Chart.defaults.font.family = getComputedStyle(document.body).fontFamily;
  Chart.defaults.color = "#1b1f24";
  // Colours that stay apart for common colour blindness; the tables carry the numbers anyway.
  const colours = ["#0b4f8a", "#1d6b36", "#a4161a", "#8a5a00"];
  const common = { responsive: true, maintainAspectRatio: false, plugins: { legend: { position: "bottom" } } };

  const trend = document.getElementById("chart-trend");
  if (trend) {
    new Chart(trend, {
      type: "bar",
      data: {
        labels: data.trend.labels,
        datasets: data.trend.series.map((s, i) => ({
          label: s.label, data: s.values, backgroundColor: colours[i], borderColor: colours[i],
          type: i === 0 ? "line" : "bar", stack: i === 0 ? undefined : "finished",
        })),
      },
      options: { ...common, scales: { x: { stacked: true }, y: { stacked: true, beginAtZero: true, ticks: { precision: 0 } } } },
    });
  }
  const outcomes = document.getElementById("chart-outcomes");
  if (outcomes) {
    new Chart(outcomes, {
      type: "doughnut",
      data: { labels: data.outcomes.labels, datasets: [{ data: data.outcomes.values, backgroundColor: ["#1d6b36", "#0b4f8a", "#a4161a", "#8a5a00"] }] },
      options: common,
    });
  }
  const agencies = document.getElementById("chart-agencies");
  if (agencies) {
    new Chart(agencies, {
      type: "bar",
      data: { labels: data.agencies.labels, datasets: [{ label: "%", data: data.agencies.values, backgroundColor: "#0b4f8a" }] },
      options: { ...common, indexAxis: "y", plugins: { legend: { display: false } }, scales: { x: { min: 0, max: 100 } } },
    });
  }
});
