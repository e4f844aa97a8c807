import SASSigning
import Testing

@testable import SASAPI

@Suite("Credential providers")
struct CredentialTests {
    static let full = [
        "ALIBABA_CLOUD_ACCESS_KEY_ID": "LTAIenv",
        "ALIBABA_CLOUD_ACCESS_KEY_SECRET": "TOPSECRET-env",
        "ALIBABA_CLOUD_SECURITY_TOKEN": "STSTOKEN-env",
    ]

    @Test func environmentProvider() async throws {
        let provider = EnvironmentCredentialProvider(environment: Self.full)
        let credentials = try await provider.credentials()
        #expect(credentials.accessKeyId == "LTAIenv")
        #expect(credentials.accessKeySecret.reveal() == "TOPSECRET-env")
        #expect(credentials.securityToken?.reveal() == "STSTOKEN-env")
        for text in [String(describing: provider), String(reflecting: provider), String(describing: credentials)] {
            #expect(!text.contains("TOPSECRET"))
            #expect(!text.contains("STSTOKEN"))
        }
        var dumped = ""
        dump(provider, to: &dumped)
        #expect(!dumped.contains("TOPSECRET"))
        #expect(!dumped.contains("STSTOKEN"))
    }

    @Test func environmentWithoutToken() async throws {
        var environment = Self.full
        environment["ALIBABA_CLOUD_SECURITY_TOKEN"] = ""
        let credentials = try await EnvironmentCredentialProvider(environment: environment).credentials()
        #expect(credentials.securityToken == nil)
    }

    @Test func halfSetEnvironmentNamesTheMissingVariable() async {
        do {
            _ = try await EnvironmentCredentialProvider(environment: ["ALIBABA_CLOUD_ACCESS_KEY_ID": "x"]).credentials()
            Issue.record("expected an error")
        } catch let error as CredentialsError {
            #expect(error.message.contains("ALIBABA_CLOUD_ACCESS_KEY_SECRET"))
        } catch {
            Issue.record("unexpected \(error)")
        }
    }

    @Test func missingCredentialsIsOneClearSentence() async {
        do {
            _ = try await DefaultCredentialChain(environment: ["HOME": "/root"]).credentials()
            Issue.record("expected an error")
        } catch let error as CredentialsError {
            #expect(error == .missing)
            #expect(error.message.contains("ALIBABA_CLOUD_ACCESS_KEY_ID"))
            #expect(error.message.contains("ALIBABA_CLOUD_ACCESS_KEY_SECRET"))
            #expect(!error.message.contains("\n"))
            #expect(error.message.hasSuffix("."))
        } catch {
            Issue.record("unexpected \(error)")
        }
    }

    @Test func chainPrefersTheEnvironment() async throws {
        let fallback = StaticCredentialProvider(Credentials(accessKeyId: "fallback", accessKeySecret: "s"))
        let fromEnv = try await DefaultCredentialChain(environment: Self.full, fallbacks: [fallback]).credentials()
        #expect(fromEnv.accessKeyId == "LTAIenv")
        let fromFallback = try await DefaultCredentialChain(environment: [:], fallbacks: [fallback]).credentials()
        #expect(fromFallback.accessKeyId == "fallback")
    }
}
