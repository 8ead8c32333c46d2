package com.gmall.realtime.udf;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.HashMap;
import java.util.Map;

/**
 * Users from MariaDB's user_info (through the MySQL driver on Flink's classpath), over one
 * connection, opened again once when a query fails on it (a connection dropped while idle).
 */
final class MariaDbUsers implements UserLookup.UserStore {

    private static final String SELECT_USER = "SELECT id, gender, birthday, user_level FROM user_info WHERE id = ?";

    private final String url;
    private final String user;
    private final String password;
    private Connection connection;
    private PreparedStatement selectUser;

    MariaDbUsers(String url, String user, String password) {
        this.url = url;
        this.user = user;
        this.password = password;
    }

    @Override
    public Map<String, String> find(long userId) {
        try {
            return select(userId);
        } catch (SQLException dropped) {
            close();
            try {
                return select(userId);
            } catch (SQLException e) {
                close();
                throw new IllegalStateException("user_info: cannot read user " + userId + " from " + url, e);
            }
        }
    }

    private Map<String, String> select(long userId) throws SQLException {
        if (selectUser == null) {
            connection = DriverManager.getConnection(url, user, password);
            selectUser = connection.prepareStatement(SELECT_USER);
        }
        selectUser.setLong(1, userId);
        try (ResultSet row = selectUser.executeQuery()) {
            if (!row.next()) {
                return null;
            }
            Map<String, String> found = new HashMap<>();
            for (String field : UserLookup.FIELDS) {
                found.put(field, row.getString(field));
            }
            return found;
        }
    }

    @Override
    public void close() {
        if (connection != null) {
            try {
                connection.close();
            } catch (SQLException ignored) {
                // a connection that cannot even close is dropped all the same
            }
            connection = null;
            selectUser = null;
        }
    }
}
