import Foundation
import GRDB

extension Store {
    /// Records when this database was created, on its first open; later opens leave it.
    func recordCreation(at now: Date) throws {
        try writer.write { db in
            try db.execute(sql: "INSERT OR IGNORE INTO node (id, created_at) VALUES (1, ?)", arguments: [now])
        }
    }

    public func createdAt() throws -> Date? {
        try writer.read { db in try Date.fetchOne(db, sql: "SELECT created_at FROM node WHERE id = 1") }
    }
}
