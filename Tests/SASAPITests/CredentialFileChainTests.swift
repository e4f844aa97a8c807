import AsyncHTTPClient
import Foundation
import SASSigning
import SASSimulator
import SASTestKit
import Synchronization
import Testing

@testable import SASAPI

@Suite("Credential chain: CLI profile and INI file")
struct CredentialFileChainTests {
    static let cliPath = "/home/u/.aliyun/config.json"
    static let iniPath = "/home/u/.alibabacloud/credentials.ini"
    /// credentials-go's path, read before `iniPath`.
    static let goPath = "/home/u/.alibabacloud/credentials"
    /// HOME for the files; the metadata service off (no traffic beyond loopback).
    static let environment = ["HOME": "/home/u", "ALIBABA_CLOUD_ECS_METADATA_DISABLED": "true"]

    static let cliConfig = """
        {"current": "dev", "profiles": [
          {"name": "dev", "mode": "AK", "access_key_id": "LTAIdev", "access_key_secret": "TOPSECRET-dev", "region_id": "cn-hangzhou",
           "expired_seconds": 0, "verified": ""},
          {"name": "sts", "mode": "StsToken", "access_key_id": "STS.cli", "access_key_secret": "TOPSECRET-sts", "sts_token": "STSTOKEN-cli"},
          {"name": "sso", "mode": "CloudSSO", "access_key_id": "LTAIsso", "access_key_secret": "TOPSECRET-sso"},
          {"name": "half", "mode": "AK", "access_key_id": "LTAIhalf"}
        ]}
        """

    static let ini = """
        # shared credentials file
        [default]
        type = access_key                 # a static AccessKey
        access_key_id = LTAIini
        access_key_secret = TOPSECRET-ini

        ; a profile of another kind
        [odd]
        type = rsa_key_pair
        """

    /// Runs the chain against `files`, with an HTTP client; returns the AccessKey id or the error.
    static func resolve(
        _ files: [String: String], environment extra: [String: String] = [:], stsEndpoint: String? = nil,
        fallbacks: [any CredentialProvider] = []
    ) async throws -> Result<Credentials, any Error> {
        try await CredentialSourceTests.withHTTP { http in
            let chain = DefaultCredentialChain(
                environment: environment.merging(extra) { $1 }, httpClient: http, stsEndpoint: stsEndpoint,
                files: .inMemory(files), fallbacks: fallbacks
            )
            do {
                return .success(try await chain.credentials())
            } catch {
                return .failure(error)
            }
        }
    }

    static func failure(_ result: Result<Credentials, any Error>) -> (any Error)? {
        if case .failure(let error) = result { return error }
        Issue.record("expected an error, got \(result)")
        return nil
    }

    // MARK: CLI profile

    @Test func cliProfileCurrentAndSelectedProfile() async throws {
        let current = try await Self.resolve([Self.cliPath: Self.cliConfig]).get()
        #expect(current.accessKeyId == "LTAIdev")
        #expect(current.accessKeySecret.reveal() == "TOPSECRET-dev")
        #expect(current.securityToken == nil)
        let selected = try await Self.resolve(
            [Self.cliPath: Self.cliConfig], environment: ["ALIBABA_CLOUD_PROFILE": "sts"]
        ).get()
        #expect(selected.accessKeyId == "STS.cli")
        #expect(selected.securityToken?.reveal() == "STSTOKEN-cli")
    }

    @Test func cliProfileRamRoleArnAssumesTheRoleAtTheSimulator() async throws {
        try await SimulatorSTS.with { simulator, running in
            let config = """
                {"current": "role", "profiles": [{"name": "role", "mode": "RamRoleArn", "access_key_id": "\(SimulatorSTS.keyId)",
                  "access_key_secret": "\(SimulatorSTS.keySecret)", "ram_role_arn": "\(SimulatorSTS.roleArn)",
                  "ram_session_name": "cli-session", "expired_seconds": 1800}]}
                """
            try await CredentialSourceTests.withHTTP { http in
                let chain = DefaultCredentialChain(
                    environment: Self.environment, httpClient: http, stsEndpoint: running.baseURL,
                    files: .inMemory([Self.cliPath: config])
                )
                let credentials = try await chain.credentials()
                #expect(credentials.accessKeyId.hasPrefix("STS."))
                #expect(credentials.securityToken != nil)
                _ = try await SimulatorSTS.call(running, credentials: chain)
            }
            #expect(simulator.stats.count(action: "AssumeRole", code: "OK") == 1)
            #expect(simulator.stats.count(action: "ListOperationProcessDetail", code: "OK") == 1)
        }
    }

    @Test func cliProfileChainableRoleAndEcsRoleAtTheSimulator() async throws {
        try await SimulatorSTS.with { simulator, running in
            let config = """
                {"current": "chained", "profiles": [
                  {"name": "base", "mode": "AK", "access_key_id": "\(SimulatorSTS.keyId)", "access_key_secret": "\(SimulatorSTS.keySecret)"},
                  {"name": "chained", "mode": "ChainableRamRoleArn", "source_profile": "base", "ram_role_arn": "\(SimulatorSTS.roleArn)"},
                  {"name": "loop", "mode": "ChainableRamRoleArn", "source_profile": "loop", "ram_role_arn": "x"},
                  {"name": "ecs", "mode": "EcsRamRole"}
                ]}
                """
            try await CredentialSourceTests.withHTTP { http in
                func chain(_ profile: String?) -> DefaultCredentialChain {
                    var environment = Self.environment
                    environment["ALIBABA_CLOUD_PROFILE"] = profile
                    return DefaultCredentialChain(
                        environment: environment, httpClient: http, stsEndpoint: running.baseURL,
                        ecsMetadataBaseURL: running.baseURL, files: .inMemory([Self.cliPath: config])
                    )
                }
                let chained = try await chain(nil).credentials()
                #expect(chained.accessKeyId.hasPrefix("STS."))
                let ecs = try await chain("ecs").credentials()
                #expect(ecs.accessKeyId.hasPrefix("STS."))
                _ = try await SimulatorSTS.call(running, credentials: StaticCredentialProvider(ecs))
                do {
                    _ = try await chain("loop").credentials()
                    Issue.record("expected an error")
                } catch let error as CredentialFileError {
                    #expect(error.message.contains("source_profile"))
                }
            }
            #expect(simulator.stats.count(action: "AssumeRole", code: "OK") == 1)
            #expect(simulator.stats.count(action: "MetadataCredentials") == 1)
        }
    }

    @Test func cliProfileUnsupportedModeStopsTheChainNamingTheMode() async throws {
        let fallback = StaticCredentialProvider(Credentials(accessKeyId: "fallback", accessKeySecret: "s"))
        let result = try await Self.resolve(
            [Self.cliPath: Self.cliConfig, Self.iniPath: Self.ini], environment: ["ALIBABA_CLOUD_PROFILE": "sso"],
            fallbacks: [fallback]
        )
        let error = try #require(Self.failure(result) as? CredentialFileError)
        #expect(error.file == Self.cliPath)
        #expect(error.description.contains("mode 'CloudSSO'"))
        #expect(error.description.contains("RamRoleArn"))
        #expect(!error.description.contains("TOPSECRET"))
    }

    @Test func cliProfileMissingKeyAndBrokenJSONNameTheFileNotTheSecret() async throws {
        let half = try await Self.resolve(
            [Self.cliPath: Self.cliConfig], environment: ["ALIBABA_CLOUD_PROFILE": "half"])
        let error = try #require(Self.failure(half) as? CredentialFileError)
        #expect(error.description == "\(Self.cliPath): profile 'half' (AccessKey) needs `access_key_secret`")

        let broken = #"{"current": "a", "profiles": [{"name": "a", "access_key_secret": "TOPSECRET-json" "#
        let result = try await Self.resolve([Self.cliPath: broken])
        let parse = try #require(Self.failure(result) as? CredentialFileError)
        #expect(parse.description.hasPrefix(Self.cliPath + ": "))
        #expect(!parse.description.contains("TOPSECRET"))
    }

    @Test func cliProfileDurationBelowTheMinimumIsAnError() async throws {
        let config =
            #"{"current": "r", "profiles": [{"name": "r", "mode": "RamRoleArn", "access_key_id": "a", "access_key_secret": "b", "ram_role_arn": "x", "expired_seconds": 60}]}"#
        let error = try #require(Self.failure(try await Self.resolve([Self.cliPath: config])) as? CredentialFileError)
        #expect(error.description.contains("expired_seconds"))
    }

    @Test func cliProfileFileAndSwitchesFromTheEnvironment() async throws {
        let other = try await Self.resolve(
            ["/etc/aliyun.json": Self.cliConfig], environment: ["ALIBABA_CLOUD_CONFIG_FILE": "/etc/aliyun.json"]
        ).get()
        #expect(other.accessKeyId == "LTAIdev")
        let disabled = try await Self.resolve(
            [Self.cliPath: Self.cliConfig, Self.iniPath: Self.ini],
            environment: ["ALIBABA_CLOUD_CLI_PROFILE_DISABLED": "true"]
        ).get()
        #expect(disabled.accessKeyId == "LTAIini")
    }

    // MARK: INI file

    @Test func iniAccessKeyAndCustomFile() async throws {
        #expect(try await Self.resolve([Self.iniPath: Self.ini]).get().accessKeyId == "LTAIini")
        let custom = try await Self.resolve(
            ["/etc/creds.ini": Self.ini], environment: ["ALIBABA_CLOUD_CREDENTIALS_FILE": "/etc/creds.ini"])
        #expect(try custom.get().accessKeySecret.reveal() == "TOPSECRET-ini")
    }

    @Test func bothDefaultPathsTheGoSDKsFirst() async throws {
        let goINI = "[default]\ntype = access_key\naccess_key_id = LTAIgo\naccess_key_secret = TOPSECRET-go\n"
        #expect(try await Self.resolve([Self.goPath: goINI]).get().accessKeyId == "LTAIgo")
        #expect(try await Self.resolve([Self.iniPath: Self.ini]).get().accessKeyId == "LTAIini")
        #expect(try await Self.resolve([Self.goPath: goINI, Self.iniPath: Self.ini]).get().accessKeyId == "LTAIgo")
        // Only the first file that exists is read: its missing section is not looked up in the other.
        let other = try await Self.resolve(
            [Self.goPath: goINI, Self.iniPath: Self.ini], environment: ["ALIBABA_CLOUD_PROFILE": "odd"])
        let error = try #require(Self.failure(other) as? CredentialsError)
        #expect(error.message.contains("\(Self.goPath) has no section [odd]"))
        // ALIBABA_CLOUD_CREDENTIALS_FILE replaces both.
        let custom = try await Self.resolve(
            [Self.goPath: goINI, "/etc/creds.ini": Self.ini],
            environment: ["ALIBABA_CLOUD_CREDENTIALS_FILE": "/etc/creds.ini"]
        )
        #expect(try custom.get().accessKeyId == "LTAIini")
    }

    @Test func iniRamRoleArnAssumesTheRoleAtTheSimulator() async throws {
        try await SimulatorSTS.with { simulator, running in
            let ini = """
                [ci]
                type = ram_role_arn
                access_key_id = \(SimulatorSTS.keyId)
                access_key_secret = \(SimulatorSTS.keySecret)
                role_arn = \(SimulatorSTS.roleArn)
                role_session_name = ini-session
                """
            let credentials = try await Self.resolve(
                [Self.iniPath: ini], environment: ["ALIBABA_CLOUD_PROFILE": "ci"], stsEndpoint: running.baseURL
            ).get()
            #expect(credentials.accessKeyId.hasPrefix("STS."))
            _ = try await SimulatorSTS.call(running, credentials: StaticCredentialProvider(credentials))
            #expect(simulator.stats.count(action: "AssumeRole", code: "OK") == 1)
        }
    }

    @Test func iniMissingSectionIsPassedOver() async throws {
        let fallback = StaticCredentialProvider(Credentials(accessKeyId: "fallback", accessKeySecret: "s"))
        let result = try await Self.resolve(
            [Self.iniPath: Self.ini], environment: ["ALIBABA_CLOUD_PROFILE": "nope"], fallbacks: [fallback])
        #expect(try result.get().accessKeyId == "fallback")
        let none = try await Self.resolve([Self.iniPath: Self.ini], environment: ["ALIBABA_CLOUD_PROFILE": "nope"])
        let error = try #require(Self.failure(none) as? CredentialsError)
        #expect(error.message.contains("has no section [nope]"))
    }

    @Test func iniBadLineAndUnknownTypeStopTheChain() async throws {
        let fallback = StaticCredentialProvider(Credentials(accessKeyId: "fallback", accessKeySecret: "s"))
        let broken = "[default]\ntype = access_key\naccess_key_id = LTAIini\naccess_key_secret: TOPSECRET-colon\n"
        let result = try await Self.resolve([Self.iniPath: broken], fallbacks: [fallback])
        let error = try #require(Self.failure(result) as? CredentialFileError)
        #expect(error.description.hasPrefix(Self.iniPath + ":4: "))
        #expect(!error.description.contains("TOPSECRET"))

        let odd = try await Self.resolve(
            [Self.iniPath: Self.ini], environment: ["ALIBABA_CLOUD_PROFILE": "odd"], fallbacks: [fallback])
        let type = try #require(Self.failure(odd) as? CredentialFileError)
        #expect(type.description.contains("type 'rsa_key_pair'"))
    }

    // MARK: Order

    @Test func environmentWinsOverFiles() async throws {
        let credentials = try await Self.resolve(
            [Self.cliPath: Self.cliConfig, Self.iniPath: Self.ini], environment: CredentialTests.full
        ).get()
        #expect(credentials.accessKeyId == "LTAIenv")
        // A half-set environment is an error even with good files.
        let half = try await Self.resolve(
            [Self.cliPath: Self.cliConfig], environment: ["ALIBABA_CLOUD_ACCESS_KEY_ID": "x"])
        #expect((Self.failure(half) as? CredentialsError)?.message.contains("ALIBABA_CLOUD_ACCESS_KEY_SECRET") == true)
    }

    @Test func cliProfileBeforeINI() async throws {
        #expect(
            try await Self.resolve([Self.cliPath: Self.cliConfig, Self.iniPath: Self.ini]).get().accessKeyId
                == "LTAIdev")
        // A profile the CLI file lacks falls through to the INI section of the same name.
        let ini = "[dev2]\ntype = access_key\naccess_key_id = LTAIdev2\naccess_key_secret = s\n"
        let fallsThrough = try await Self.resolve(
            [Self.cliPath: Self.cliConfig, Self.iniPath: ini], environment: ["ALIBABA_CLOUD_PROFILE": "dev2"])
        #expect(try fallsThrough.get().accessKeyId == "LTAIdev2")
    }

    @Test func filesBeforeTheMetadataService() async throws {
        try await FakeServer.with({ _ in .json(CredentialSourceTests.document("STS.ecs")) }) { server in
            try await CredentialSourceTests.withHTTP { http in
                let withFile = DefaultCredentialChain(
                    environment: ["HOME": "/home/u"], httpClient: http, ecsMetadataBaseURL: server.endpointString,
                    files: .inMemory([Self.iniPath: Self.ini])
                )
                let fromFile = try await withFile.credentials()
                #expect(fromFile.accessKeyId == "LTAIini")
                #expect(server.requests.isEmpty)
                let without = DefaultCredentialChain(
                    environment: ["HOME": "/home/u"], httpClient: http, ecsMetadataBaseURL: server.endpointString,
                    files: .none
                )
                let fromMetadata = try await without.credentials()
                #expect(fromMetadata.accessKeyId == "STS.ecs")
            }
        }
    }

    @Test func missingFilesAreSkippedAndNoHomeMeansNoDefaultFiles() async throws {
        let asked = Mutex<[String]>([])
        let files = CredentialFiles { path in
            asked.withLock { $0.append(path) }
            return nil
        }
        let fallback = StaticCredentialProvider(Credentials(accessKeyId: "fallback", accessKeySecret: "s"))
        try await CredentialSourceTests.withHTTP { http in
            let chain = DefaultCredentialChain(
                environment: Self.environment, httpClient: http, files: files, fallbacks: [fallback])
            let first = try await chain.credentials()
            #expect(first.accessKeyId == "fallback")
            let homeless = DefaultCredentialChain(
                environment: ["ALIBABA_CLOUD_ECS_METADATA_DISABLED": "true"], httpClient: http, files: files,
                fallbacks: [fallback]
            )
            let second = try await homeless.credentials()
            #expect(second.accessKeyId == "fallback")
        }
        #expect(asked.withLock { $0 } == [Self.cliPath, Self.goPath, Self.iniPath])
    }

    @Test func noSecretInAnyErrorOrDescription() async throws {
        let everything = [Self.cliPath: Self.cliConfig, Self.iniPath: Self.ini]
        var texts: [String] = []
        for profile in ["sso", "half", "odd", "nope"] {
            if case .failure(let error) = try await Self.resolve(
                everything, environment: ["ALIBABA_CLOUD_PROFILE": profile])
            {
                texts += [String(describing: error), String(reflecting: error)]
            }
        }
        for (_, credentials) in [("dev", try await Self.resolve(everything).get())] {
            texts += [String(describing: credentials), String(reflecting: credentials)]
        }
        #expect(texts.count == 10)
        for text in texts {
            #expect(!text.contains("TOPSECRET"))
            #expect(!text.contains("STSTOKEN"))
        }
    }
}
