import XCTest
@testable import SnapshotLog
final class PlaceholderTests: XCTestCase { func testVersion() { XCTAssertEqual(SnapshotLogFormat.version, 1) } }
