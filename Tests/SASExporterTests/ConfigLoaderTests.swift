import SASAPI
import SASMetrics
import SASSigning
import Testing

@testable import SASExporter

@Suite("Configuration file")
struct ConfigLoaderTests {
    let loader = ConfigLoader(readFile: { path in
        switch path {
        case "/run/secrets/sas": return "file-secret\n"
        case "/run/secrets/empty": return "\n"
        default: throw CocoaLikeError.missing
        }
    })

    enum CocoaLikeError: Error { case missing }

    @Test func fullFileWithDefaultsAndOverrides() throws {
        let config = try loader.parse(
            """
            interval: 2m
            lookback: 12h
            state_file: /var/lib/sas-exporter/state.json
            accounts:
              - name: prod
                region: cn-hangzhou
                credentials:
                  access_key_id: LTAIprod
                  access_key_secret_file: /run/secrets/sas
                task_ids: [t1, t2]
                page_size: 50
                lang: zh
              - name: test
                endpoint: http://127.0.0.1:18080
                signature: rpc
                interval: 30s
                poll_timeout: 45s
                full_refresh: 1h
                max_tracked_subtasks: 500000
            """, file: "sas.yml")
        #expect(config.stateFile == "/var/lib/sas-exporter/state.json")
        #expect(config.durationBuckets == Histogram.defaultDurationBounds)
        let prod = config.accounts[0]
        #expect(prod.name == "prod" && prod.region == "cn-hangzhou")
        #expect(prod.endpoint == Endpoint(host: "tds.cn-shanghai.aliyuncs.com"), "the region map chose the endpoint")
        #expect(prod.credentials?.accessKeyId == "LTAIprod")
        #expect(prod.credentials?.accessKeySecret.reveal() == "file-secret")
        #expect(prod.taskIds == ["t1", "t2"] && prod.pageSize == 50 && prod.lang == "zh")
        #expect(prod.interval == .seconds(120) && prod.lookback == .seconds(43_200) && prod.signature == .v3)
        #expect(prod.pollTimeout == .seconds(600) && prod.fullRefresh == .seconds(6 * 3600))
        #expect(prod.maxTrackedSubtasks == 200_000)
        let test = config.accounts[1]
        #expect(test.endpoint == Endpoint(scheme: "http", host: "127.0.0.1", port: 18080))
        #expect(test.signature == .rpc && test.interval == .seconds(30) && test.pollTimeout == .seconds(45))
        #expect(test.fullRefresh == .seconds(3600) && test.maxTrackedSubtasks == 500_000)
        #expect(test.credentials == nil && test.taskIds == nil && test.lang == "en" && test.taskBatchSize == 10)
    }

    @Test func defaultsLiveInOnePlace() throws {
        let config = try loader.parse("accounts:\n  - name: a\n    region: r\n", file: "sas.yml")
        let parsed = config.accounts[0]
        let built = AccountConfiguration(name: "a", endpoint: .forRegion("r"), region: "r")
        #expect(parsed == built, "the loader and the model's initialiser agree on every default")
        #expect(parsed.aggregatorConfiguration(durationBuckets: config.durationBuckets) == AggregatorConfiguration())
    }

    @Test func aPollTimeoutDefaultsToTenMinutesOrTheInterval() throws {
        let config = try loader.parse("accounts:\n  - name: a\n    region: r\n    interval: 15m\n", file: "sas.yml")
        #expect(config.accounts[0].pollTimeout == .seconds(900))
    }

    @Test func taskIdsGivenTwiceArePolledOnceWithAWarning() throws {
        let loaded = try loader.parseWithWarnings(
            "accounts:\n  - name: a\n    region: r\n    task_ids: [x, y, x, x]\n", file: "sas.yml")
        #expect(loaded.configuration.accounts[0].taskIds == ["x", "y"])
        #expect(
            loaded.warnings == [
                "sas.yml:4:15: accounts[0].task_ids: 2 task id(s) listed more than once; each is polled once"
            ])
    }

    /// Each bad file and the exact error it must give (the blackbox_exporter habit).
    static let badFiles: [(String, String)] = [
        (
            "accounts:\n  - name: a\n    region: r\n    intervall: 5s\n",
            "bad.yml:4:5: accounts[0].intervall: unknown key (known keys here: credentials, endpoint, "
                + "full_refresh, interval, lang, lookback, max_concurrent_requests, max_tracked_subtasks, name, "
                + "page_size, poll_timeout, region, requests_per_second, signature, task_batch_size, task_ids)"
        ),
        (
            "accounts:\n  - name: a\n    region: r\n    interval: 2m\n    poll_timeout: 1m\n",
            "bad.yml:5:19: accounts[0].poll_timeout: must be at least the interval (2m), found 1m"
        ),
        (
            "accounts:\n  - name: a\n    region: r\n    max_tracked_subtasks: 10\n",
            "bad.yml:4:27: accounts[0].max_tracked_subtasks: must be between 1000 and 50000000, found 10"
        ),
        (
            "interval: soon\naccounts:\n  - name: a\n    region: r\n",
            "bad.yml:1:11: interval: \"soon\" is not a duration (use forms such as 30s, 5m, 1h30m)"
        ),
        (
            "interval: 500ms\naccounts:\n  - name: a\n    region: r\n",
            "bad.yml:1:11: interval: must be at least 1s, found 500ms"
        ),
        (
            "accounts:\n  - name: a\n    region: r\n    page_size: many\n",
            "bad.yml:4:16: accounts[0].page_size: expected an integer, found \"many\""
        ),
        (
            "accounts:\n  - name: a\n    region: r\n    page_size: 0\n",
            "bad.yml:4:16: accounts[0].page_size: must be between 1 and 1000, found 0"
        ),
        ("accounts:\n  - name: a\n", "bad.yml:2:5: accounts[0]: account \"a\" needs `region` or `endpoint`"),
        ("accounts:\n  - region: r\n", "bad.yml:2:5: accounts[0]: missing required key `name` (the account label)"),
        ("interval: 1m\n", "bad.yml:1:1: missing required key `accounts` (a list of accounts to poll)"),
        ("accounts: []\n", "bad.yml:1:11: accounts: needs at least one account"),
        (
            "accounts:\n  - name: a\n    region: r\n  - name: a\n    region: s\n",
            "bad.yml:4:5: accounts[1]: account name \"a\" is used twice; names must be unique"
        ),
        (
            "accounts:\n  - name: a\n    region: r\n    signature: v4\n",
            "bad.yml:4:16: accounts[0].signature: must be `v3` or `rpc`"
        ),
        (
            "accounts:\n  - name: a\n    region: r\n    lang: fr\n",
            "bad.yml:4:11: accounts[0].lang: must be `en` or `zh`"
        ),
        (
            "accounts:\n  - name: a\n    region: r\n    credentials:\n      access_key_id: x\n",
            "bad.yml:5:7: accounts[0].credentials: needs `access_key_secret` or `access_key_secret_file`"
        ),
        (
            "accounts:\n  - name: a\n    region: r\n    credentials:\n      access_key_id: x\n      "
                + "access_key_secret: s\n      access_key_secret_file: /run/secrets/sas\n",
            "bad.yml:5:7: accounts[0].credentials: give `access_key_secret` or `access_key_secret_file`, not both"
        ),
        (
            "accounts:\n  - name: a\n    region: r\n    credentials:\n      access_key_id: x\n      "
                + "access_key_secret_file: /nope\n",
            "bad.yml:6:31: accounts[0].credentials.access_key_secret_file: cannot read /nope (read error)"
        ),
        (
            "accounts:\n  - name: a\n    region: r\n    credentials:\n      access_key_id: x\n      "
                + "access_key_secret_file: /run/secrets/empty\n",
            "bad.yml:6:31: accounts[0].credentials.access_key_secret_file: /run/secrets/empty is empty"
        ),
        (
            "accounts:\n  - name: a\n    region: r\n    task_ids: []\n",
            "bad.yml:4:15: accounts[0].task_ids: must list at least one task id, or be left out to discover tasks"
        ),
        (
            "duration_buckets: [5, 1]\naccounts:\n  - name: a\n    region: r\n",
            "bad.yml:1:23: duration_buckets[1]: bucket bounds must increase"
        ),
        (
            "accounts:\n  - name: a\n    region: r\n   bad: [\n",
            "bad.yml:4:4: invalid YAML: did not find expected '-' indicator"
        ),
        ("", "bad.yml: the file is empty: it needs at least an `accounts` list"),
        ("- a\n- b\n", "bad.yml:1:1: expected a mapping, found a list"),
        (
            "accounts:\n  - name: a\n    endpoint: ftp://host\n",
            "bad.yml:3:15: accounts[0].endpoint: scheme must be http or https"
        ),
    ]

    @Test(arguments: 0..<badFiles.count)
    func badFileGivesItsExactError(_ index: Int) {
        let (text, expected) = Self.badFiles[index]
        do {
            _ = try loader.parse(text, file: "bad.yml")
            Issue.record("accepted a bad file: \(text)")
        } catch {
            #expect(error.description == expected)
        }
    }

    @Test func perAccountRoleKeys() throws {
        let config = try loader.parse(
            """
            accounts:
              - name: prod eu
                region: cn-hangzhou
                credentials:
                  role_arn: acs:ram::1000000000000001:role/sas-reader
              - name: staging
                region: cn-shanghai
                credentials:
                  access_key_id: LTAIbase
                  access_key_secret_file: /run/secrets/sas
                  role_arn: acs:ram::1000000000000002:role/sas-reader
                  role_session_name: sas-staging
                  external_id: abc123
                  duration: 30m
                  sts_endpoint: sts-vpc.cn-hangzhou.aliyuncs.com
            """, file: "sas.yml")
        let prod = config.accounts[0]
        // No own key: the default chain (RRSA, ECS role, ...) assumes the role.
        #expect(prod.credentials == nil)
        #expect(
            prod.role
                == RoleAssumption(
                    roleArn: "acs:ram::1000000000000001:role/sas-reader", roleSessionName: "sas-exporter-prod-eu",
                    duration: .seconds(3600)
                ))
        let staging = config.accounts[1]
        #expect(staging.credentials?.accessKeyId == "LTAIbase")
        #expect(
            staging.role
                == RoleAssumption(
                    roleArn: "acs:ram::1000000000000002:role/sas-reader", roleSessionName: "sas-staging",
                    externalId: "abc123",
                    duration: .seconds(1800), stsEndpoint: "sts-vpc.cn-hangzhou.aliyuncs.com"
                ))
    }

    static let badRoleFiles: [(text: String, keyPath: String, message: String)] = [
        (
            "accounts:\n  - name: a\n    region: r\n    credentials:\n      external_id: abc\n",
            "accounts[0].credentials", "`external_id` needs `role_arn`"
        ),
        (
            "accounts:\n  - name: a\n    region: r\n    credentials:\n      role_arn: sas-reader\n",
            "accounts[0].credentials.role_arn", "acs:ram::<account id>:role/<role name>"
        ),
        (
            "accounts:\n  - name: a\n    region: r\n    credentials:\n      role_arn: acs:ram::1:role/r\n      "
                + "duration: 10m\n",
            "accounts[0].credentials.duration", "must be at least 15m"
        ),
        (
            "accounts:\n  - name: a\n    region: r\n    credentials:\n      role_arn: acs:ram::1:role/r\n      "
                + "duration: 13h\n",
            "accounts[0].credentials.duration", "from 15m to 12h"
        ),
        (
            "accounts:\n  - name: a\n    region: r\n    credentials:\n      role_arn: acs:ram::1:role/r\n      "
                + "role_session_name: a b\n",
            "accounts[0].credentials.role_session_name", "2 to 64"
        ),
        (
            "accounts:\n  - name: a\n    region: r\n    credentials:\n      role_arn: acs:ram::1:role/r\n      "
                + "access_key_secret: s\n",
            "accounts[0].credentials", "missing `access_key_id`"
        ),
    ]

    @Test(arguments: 0..<badRoleFiles.count)
    func badRoleSettingsNameTheirKey(_ index: Int) {
        let bad = Self.badRoleFiles[index]
        do {
            _ = try loader.parse(bad.text, file: "bad.yml")
            Issue.record("accepted a bad file: \(bad.text)")
        } catch {
            #expect(error.keyPath == bad.keyPath)
            #expect(error.description.contains(bad.message))
        }
    }

    /// Found while writing the exposition fuzz target (its invariant: two accounts' chunks
    /// together are a valid exposition, for names the configuration accepts): names of two
    /// characters, `a` under 300 combining accents and then `x` or `y`, passed the old
    /// 128-character rule, but the exposition cuts label values at 256 scalars, so both
    /// became the same `account` label and every series of the two accounts was doubled.
    @Test func accountNamesAreLimitedInCodePointsSoExposedLabelsStayDistinct() throws {
        let marks = String(repeating: "\u{301}", count: 300)
        for name in ["a" + marks + "x", "a" + marks + "y"] {
            #expect(name.count <= 2, "a short name in characters")
            do {
                _ = try loader.parse("accounts:\n  - name: \"\(name)\"\n    region: r\n", file: "sas.yml")
                Issue.record("accepted a name of \(name.unicodeScalars.count) code points")
            } catch {
                #expect(error.keyPath == "accounts[0].name")
                #expect(error.message == "must be at most 128 Unicode code points with no control characters")
            }
        }
        let longest = String(repeating: "é", count: 128)
        #expect(
            try loader.parse("accounts:\n  - name: \(longest)\n    region: r\n", file: "sas.yml").accounts[0].name
                == longest)
    }

    @Test func errorsNeverEchoSecrets() {
        let text =
            "accounts:\n  - name: a\n    region: r\n    credentials:\n      access_key_id: x\n      "
            + "access_key_secret: [TOPSECRET]\n"
        do {
            _ = try loader.parse(text, file: "bad.yml")
            Issue.record("accepted a list as a secret")
        } catch {
            #expect(!error.description.contains("TOPSECRET"))
            #expect(error.keyPath == "accounts[0].credentials.access_key_secret")
        }
    }

    @Test func missingFileIsReportedWithItsPath() {
        #expect(throws: ConfigError(file: "/etc/none.yml", message: "cannot read the configuration file (read error)"))
        {
            try loader.load(path: "/etc/none.yml")
        }
    }

    @Test func durations() {
        #expect(PrometheusDuration.parseMilliseconds("1h30m") == 5_400_000)
        #expect(PrometheusDuration.parseMilliseconds("90s") == 90_000)
        #expect(PrometheusDuration.parseMilliseconds("500ms") == 500)
        #expect(PrometheusDuration.parseMilliseconds("1d") == 86_400_000)
        #expect(PrometheusDuration.parseMilliseconds("1m1h") == nil)
        #expect(PrometheusDuration.parseMilliseconds("1.5h") == nil)
        #expect(PrometheusDuration.parseMilliseconds("") == nil)
        #expect(PrometheusDuration.parseMilliseconds("99999999999999999999s") == nil)
        #expect(PrometheusDuration.format(milliseconds: 5_400_000) == "1h30m")
        #expect(PrometheusDuration.format(milliseconds: 500) == "500ms")
    }
}

@Suite("Configuration check without mounted secrets")
struct ConfigCheckTests {
    @Test func checkModeDoesNotReadSecretFiles() throws {
        let loader = ConfigLoader(
            readsSecretFiles: false, readFile: { _ in throw ConfigLoaderTests.CocoaLikeError.missing })
        let config = try loader.parse(
            "accounts:\n  - name: a\n    region: r\n    credentials:\n      access_key_id: x\n      "
                + "access_key_secret_file: /not/mounted\n",
            file: "check.yml"
        )
        #expect(config.accounts[0].credentials?.accessKeyId == "x")
    }
}
