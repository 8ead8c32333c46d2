package com.gmall.realtime.redis;

import java.util.List;

import org.apache.flink.table.data.GenericRowData;
import org.apache.flink.table.data.RowData;
import org.apache.flink.table.data.StringData;
import org.apache.flink.table.types.logical.LogicalTypeRoot;
import org.apache.flink.types.RowKind;

/** Rows of a user table {@code (id BIGINT, login_name STRING, nick_name STRING)} keyed {@code user:<id>}. */
final class Rows {

    static final HashRowMapper USERS =
            new HashRowMapper("user:", List.of("id", "login_name", "nick_name"), 0, LogicalTypeRoot.BIGINT);

    private Rows() {
    }

    static RowData user(RowKind kind, long id, String loginName, String nickName) {
        return GenericRowData.ofKind(kind, id, StringData.fromString(loginName), StringData.fromString(nickName));
    }

    static RowData user(RowKind kind, long id) {
        return user(kind, id, "login" + id, "nick" + id);
    }
}
