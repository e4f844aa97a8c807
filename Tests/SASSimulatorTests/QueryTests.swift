import HummingbirdTesting
import SASModels
import SASSigning
import Testing

@testable import SASSimulator

@Suite("Request semantics")
struct QueryTests {
    @Test(
        "The detail call without TaskIds, or with PageSize above the maximum, is CspmParamIllegal",
        arguments: SignatureStyle.allCases)
    func paramIllegal(style: SignatureStyle) async throws {
        let simulator = makeSimulator(maxPageSize: 50)
        try await withRouter(simulator) { client in
            let noIds = try await client.send(signedCall(query: [QueryParameter("PageSize", "10")], style: style))
            #expect(noIds.status == 400)
            #expect(noIds.error?.code == "CspmParamIllegal")
            let big = try await client.send(signedCall(query: detailQuery(taskIds: ["x"], pageSize: 51), style: style))
            #expect(big.status == 400)
            #expect(big.error?.code == "CspmParamIllegal")
            let zeroPage = try await client.send(signedCall(query: detailQuery(taskIds: ["x"], page: 0), style: style))
            #expect(zeroPage.error?.code == "CspmParamIllegal")
            let notNumber = try await client.send(
                signedCall(
                    query: detailQuery(taskIds: ["x"], extra: [QueryParameter("StartTime", "soon")]), style: style))
            #expect(notNumber.error?.code == "CspmParamIllegal")
            let ok = try await client.send(signedCall(query: detailQuery(taskIds: ["x"], pageSize: 50), style: style))
            #expect(ok.status == 200)
        }
    }

    @Test("Paging through every task gives exactly the ground truth")
    func pagingMatchesTruth() async throws {
        let simulator = makeSimulator(tasks: 20, subtasks: 13)
        let now = simulator.clock.nowMs
        let truth = simulator.groundTruth(windowStartMs: now - 86_400_000, windowEndMs: now)
        try await withRouter(simulator) { client in
            let ids = try await discoverTaskIds(client, simulator: simulator)
            #expect(ids == truth.taskIds)
            var seen: [String] = []
            var statuses: [String: Int] = [:]
            var page = 1
            var totals = Set<Int>()
            while true {
                let reply = try await client.send(signedCall(query: detailQuery(taskIds: ids, page: page, pageSize: 7)))
                let decoded = try reply.decode(ListOperationProcessDetailResponse.self)
                let info = try #require(decoded.pageInfo)
                totals.insert(info.totalCount ?? -1)
                #expect(info.currentPage == page && info.pageSize == 7 && info.count == decoded.processDetails.count)
                if decoded.processDetails.isEmpty { break }
                for detail in decoded.processDetails {
                    seen.append(detail.detailTaskId ?? "")
                    statuses[String(detail.statusCode ?? -1), default: 0] += 1
                }
                page += 1
            }
            #expect(totals == [truth.total])
            #expect(seen.count == truth.total)
            #expect(seen == truth.subtasks.map(\.detailTaskId))
            #expect(statuses.filter { $0.value > 0 } == truth.countsByStatus.filter { $0.value > 0 })
        }
    }

    @Test("A page past the end is empty with the right TotalCount")
    func pastTheEnd() async throws {
        let simulator = makeSimulator(subtasks: 10)
        try await withRouter(simulator) { client in
            let ids = try await discoverTaskIds(client, simulator: simulator)
            let reply = try await client.send(
                signedCall(query: detailQuery(taskIds: Array(ids.prefix(3)), page: 99, pageSize: 10)))
            let decoded = try reply.decode(ListOperationProcessDetailResponse.self)
            #expect(decoded.processDetails.isEmpty)
            #expect(decoded.pageInfo?.totalCount == 30)
            #expect(decoded.pageInfo?.count == 0)
        }
    }

    @Test("StatusCodes, StartTime/EndTime and Lang filter and translate")
    func filters() async throws {
        let simulator = makeSimulator(subtasks: 40)
        let now = simulator.clock.nowMs
        let truth = simulator.groundTruth(windowStartMs: now - 86_400_000, windowEndMs: now)
        try await withRouter(simulator) { client in
            let ids = truth.taskIds
            let failed = try await client.send(
                signedCall(
                    query: detailQuery(
                        taskIds: ids, pageSize: 100,
                        extra: [QueryParameter("StatusCodes.1", "4"), QueryParameter("StatusCodes.2", "3")]
                    )))
            let decoded = try failed.decode(ListOperationProcessDetailResponse.self)
            #expect(decoded.pageInfo?.totalCount == truth.count(status: 4) + truth.count(status: 3))
            #expect(decoded.processDetails.allSatisfy { [3, 4].contains($0.statusCode ?? -1) })

            let lastHour = try await client.send(
                signedCall(
                    query: detailQuery(
                        taskIds: ids,
                        extra: [
                            QueryParameter("StartTime", String(now - 3_600_000)),
                            QueryParameter("EndTime", String(now)),
                        ]
                    )))
            let recent = try lastHour.decode(ListOperationProcessDetailResponse.self)
            let expected = simulator.groundTruth(windowStartMs: now - 3_600_000, windowEndMs: now).total
            #expect(recent.pageInfo?.totalCount == expected)

            let english = try await client.send(
                signedCall(query: detailQuery(taskIds: ids, extra: [QueryParameter("Lang", "en")])))
            let chinese = try await client.send(signedCall(query: detailQuery(taskIds: ids)))
            let enNames = try english.decode(ListOperationProcessDetailResponse.self).processDetails.flatMap(\.checks)
            let zhNames = try chinese.decode(ListOperationProcessDetailResponse.self).processDetails.flatMap(\.checks)
            #expect(enNames.map(\.checkId) == zhNames.map(\.checkId))
            #expect(enNames.allSatisfy { CheckCatalogue.check(id: $0.checkId ?? 0)?.english == $0.checkShowName })
            #expect(zhNames.allSatisfy { CheckCatalogue.check(id: $0.checkId ?? 0)?.chinese == $0.checkShowName })
        }
    }

    @Test("Under the Java SDK's reading (creation-completion), EndTime bounds completion: open rows are left out")
    func completionSemanticsDropOpenRows() async throws {
        func listings(_ semantics: TimeSemantics, endTime: Int64) async throws
            -> (details: [ProcessDetail], tasks: [OperationProcess])
        {
            let simulator = makeSimulator(tasks: 90, subtasks: 1) { $0.timeSemantics = semantics }
            let now = simulator.clock.nowMs
            let window = [
                QueryParameter("StartTime", String(now - 86_400_000)), QueryParameter("EndTime", String(endTime)),
            ]
            let ids = simulator.groundTruth(windowStartMs: now - 86_400_000, windowEndMs: now).taskIds
            return try await withRouter(simulator) { client in
                let detailReply = try await client.send(
                    signedCall(query: detailQuery(taskIds: ids, pageSize: 100, extra: window)))
                let decoded = try detailReply.decode(ListOperationProcessDetailResponse.self)
                #expect(decoded.pageInfo?.totalCount ?? 0 <= 100, "one page holds the whole answer")
                let taskReply = try await client.send(
                    signedCall(action: "ListOperationProcess", query: [QueryParameter("PageSize", "100")] + window))
                return (decoded.processDetails, try taskReply.decode(ListOperationProcessResponse.self).processes)
            }
        }
        let now = fixedNowMs
        let bound = now - 2 * 3_600_000
        // Everything created in the last 24 h, as it stands now.
        let everything = try await listings(.creation, endTime: now)
        let byCompletion = try await listings(.creationCompletion, endTime: bound)
        // The data holds open rows, and rows completed after the bound, so the bound has
        // something to leave out.
        #expect(everything.details.contains { [0, 1].contains($0.statusCode ?? -1) })
        #expect(everything.details.contains { ($0.endTime ?? 0) > bound })
        #expect(
            everything.details.contains { ($0.createTime ?? .max) <= bound && ($0.endTime ?? .max) > bound },
            "created before the bound, not completed by it: what only the completion bound leaves out")
        #expect(everything.tasks.contains { [0, 1].contains($0.statusCode ?? -1) })
        #expect(everything.tasks.contains { ($0.endTime ?? 0) > bound })
        // Under creation-completion: exactly the rows completed by EndTime.
        let completed = everything.details.filter { ($0.endTime ?? .max) <= bound }
        #expect(!completed.isEmpty)
        #expect(byCompletion.details.map(\.detailTaskId) == completed.map(\.detailTaskId))
        let finishedTasks = everything.tasks.filter { ($0.endTime ?? .max) <= bound }
        #expect(!finishedTasks.isEmpty)
        #expect(byCompletion.tasks.map(\.taskId) == finishedTasks.map(\.taskId))
    }

    @Test("ListOperationProcess lists tasks with their counts and filters by type")
    func listProcesses() async throws {
        let simulator = makeSimulator(subtasks: 5)
        let now = simulator.clock.nowMs
        try await withRouter(simulator) { client in
            let reply = try await client.send(
                signedCall(
                    action: "ListOperationProcess",
                    query: [
                        QueryParameter("PageSize", "100"), QueryParameter("StartTime", String(now - 86_400_000)),
                    ]))
            let decoded = try reply.decode(ListOperationProcessResponse.self)
            #expect(decoded.processes.count == decoded.pageInfo?.totalCount)
            #expect((18...22).contains(decoded.processes.count))
            for process in decoded.processes {
                #expect(process.totalCount == 5 && process.detailTaskTotalCount == 5)
                #expect(DataSet.taskTypes.contains(process.taskType ?? ""))
                #expect((0...3).contains(process.statusCode ?? -1))
                #expect((process.createTime ?? 0) <= now)
            }
            let type = try #require(decoded.processes.first?.taskType)
            let filtered = try await client.send(
                signedCall(
                    action: "ListOperationProcess",
                    query: [
                        QueryParameter("PageSize", "100"), QueryParameter("StartTime", String(now - 86_400_000)),
                        QueryParameter("TaskTypes.1", type),
                    ]))
            let only = try filtered.decode(ListOperationProcessResponse.self)
            #expect(only.processes.allSatisfy { $0.taskType == type })
            #expect(only.processes.count == decoded.processes.filter { $0.taskType == type }.count)
        }
    }
}

@Suite("Time through the API")
struct TimeEvolutionTests {
    @Test("Advancing a manual clock through /admin/advance shows new tasks and finished subtasks")
    func advanceThroughAPI() async throws {
        let simulator = makeSimulator(tasks: 48, subtasks: 20)
        try await withRouter(simulator) { client in
            let before = try await discoverTaskIds(client, simulator: simulator)
            let newest = try #require(before.last)
            let first = try await client.send(signedCall(query: detailQuery(taskIds: [newest], pageSize: 20)))
            let statusesBefore = try first.decode(ListOperationProcessDetailResponse.self).processDetails.map(
                \.statusCode)
            #expect(try await client.postJSON("/admin/advance", #"{"seconds": 7200}"#).status == 200)
            let after = try await discoverTaskIds(client, simulator: simulator)
            #expect(abs(after.count - before.count) <= 1)
            #expect(after.last != newest)
            #expect(!Set(after).isSubset(of: Set(before)))
            let second = try await client.send(signedCall(query: detailQuery(taskIds: [newest], pageSize: 20)))
            let statusesAfter = try second.decode(ListOperationProcessDetailResponse.self).processDetails.map(
                \.statusCode)
            #expect(statusesAfter.allSatisfy { ($0 ?? 0) >= 2 })
            let truth = simulator.groundTruth(windowStartMs: 0, windowEndMs: simulator.clock.nowMs)
            let expected = truth.subtasks.filter { $0.taskId == newest }.map { Optional($0.status) }
            #expect(statusesAfter == expected)
            #expect(statusesBefore.count == 20)
        }
    }
}
