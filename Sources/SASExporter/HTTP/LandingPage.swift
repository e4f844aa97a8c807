import Foundation

/// The page at `/`: what this is, links, and each account's last poll.
enum LandingPage {
    static func html(store: MetricsStore) -> String {
        let exporter = store.exporterHealth
        var rows = ""
        for (name, health) in store.accountHealth() {
            let state: String
            if !health.hasFinishedPoll {
                state = "waiting for the first poll"
            } else if health.up {
                state = "up"
            } else {
                state = "down"
            }
            let last = health.lastSuccessSeconds.map { Date(timeIntervalSince1970: $0).formatted(.iso8601) } ?? "never"
            let duration = health.lastPollDurationSeconds.map { String(format: "%.2f s", $0) } ?? "-"
            let subtasks = health.lastSubtaskCount.map(String.init) ?? "-"
            rows +=
                "<tr><td>\(escape(name))</td><td class=\"\(health.up ? "up" : "down")\">\(state)</td>"
                + "<td>\(last)</td><td>\(duration)</td><td>\(subtasks)</td><td>\(health.pollsTotal)</td>"
                + "<td>\(health.pollFailuresTotal)</td><td>\(escape(health.lastError ?? ""))</td></tr>\n"
        }
        return """
            <!DOCTYPE html>
            <html lang="en"><head><meta charset="utf-8"><title>sas-exporter</title>
            <style>body{font-family:sans-serif;margin:2em}table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:4px 8px;text-align:left}.up{color:#070}.down{color:#a00}</style>
            </head><body>
            <h1>sas-exporter</h1>
            <p>Prometheus exporter for Alibaba Cloud Security Center operation subtasks
            (<code>ListOperationProcessDetail</code>). Version \(escape(exporter.version)), revision \(escape(exporter.revision)).</p>
            <ul>
            <li><a href="metrics">Metrics</a></li>
            <li><a href="-/healthy">Health</a></li>
            <li><a href="-/ready">Readiness</a></li>
            </ul>
            <h2>Accounts</h2>
            <table><tr><th>account</th><th>state</th><th>last complete poll</th><th>last poll took</th><th>subtasks in window</th><th>polls</th><th>failed polls</th><th>last error</th></tr>
            \(rows)</table>
            <p>Configuration: last load \(exporter.reloadSuccessful ? "succeeded" : "was refused; the previous configuration keeps running").</p>
            </body></html>

            """
    }

    static func escape(_ text: String) -> String {
        var out = ""
        for character in text {
            switch character {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            default: out.append(character)
            }
        }
        return out
    }
}
