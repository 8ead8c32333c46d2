package com.gmall.realtime.elasticsearch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;

import com.sun.net.httpserver.HttpServer;

import org.apache.flink.connector.elasticsearch.sink.RequestIndexer;
import org.apache.flink.elasticsearch7.shaded.org.elasticsearch.action.DocWriteRequest;
import org.apache.flink.elasticsearch7.shaded.org.elasticsearch.action.delete.DeleteRequest;
import org.apache.flink.elasticsearch7.shaded.org.elasticsearch.action.index.IndexRequest;
import org.apache.flink.elasticsearch7.shaded.org.elasticsearch.action.update.UpdateRequest;
import org.apache.flink.table.api.DataTypes;
import org.apache.flink.table.data.GenericRowData;
import org.apache.flink.table.data.RowData;
import org.apache.flink.table.data.StringData;
import org.apache.flink.table.types.DataType;
import org.apache.flink.types.RowKind;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** What the gmall-elasticsearch-7 sink asks of Elasticsearch for each row, against a stand-in HTTP server. */
class DocumentEmitterTest {

    private static final DataType ROW = DataTypes.ROW(
            DataTypes.FIELD("id", DataTypes.BIGINT().notNull()),
            DataTypes.FIELD("name", DataTypes.STRING()),
            DataTypes.FIELD("dt", DataTypes.DATE()),
            DataTypes.FIELD("has_document", DataTypes.BOOLEAN()));
    private static final int DAY_2026_11_20 = (int) LocalDate.of(2026, 11, 20).toEpochDay();

    private HttpServer elasticsearch;
    private final List<String> created = new ArrayList<>();
    private final List<String> existing = new ArrayList<>();
    private final List<DocWriteRequest<?>> requests = new ArrayList<>();
    private DocumentEmitter emitter;

    @BeforeEach
    void start() throws Exception {
        elasticsearch = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        elasticsearch.createContext("/", exchange -> {
            String index = exchange.getRequestURI().getPath().substring(1);
            boolean exists = existing.contains(index);
            byte[] body = (exists ? "{\"error\":{\"type\":\"resource_already_exists_exception\"}}"
                    : "{\"acknowledged\":true}").getBytes(StandardCharsets.UTF_8);
            if (exchange.getRequestMethod().equals("PUT")) {
                created.add(index);
            }
            exchange.sendResponseHeaders(exists ? 400 : 200, body.length);
            exchange.getResponseBody().write(body);
            exchange.close();
        });
        elasticsearch.start();
        DocumentLayout layout = new DocumentLayout("sales-", 2, 0, 3, ROW);
        emitter = new DocumentEmitter(layout, row -> ("{\"name\":\"" + row.getString(1) + "\",\"fields\":"
                + row.getArity() + "}").getBytes(StandardCharsets.UTF_8),
                List.of("http://127.0.0.1:" + elasticsearch.getAddress().getPort()));
        emitter.open();
    }

    @AfterEach
    void stop() {
        elasticsearch.stop(0);
    }

    private static RowData row(RowKind kind, long id, Integer day, Boolean hasDocument) {
        GenericRowData row = GenericRowData.of(id, StringData.fromString("n" + id), day, hasDocument);
        row.setRowKind(kind);
        return row;
    }

    private void emit(RowData row) {
        emitter.emit(row, null, new RequestIndexer() {
            @Override
            public void add(DeleteRequest... deleteRequests) {
                requests.addAll(List.of(deleteRequests));
            }

            @Override
            public void add(IndexRequest... indexRequests) {
                requests.addAll(List.of(indexRequests));
            }

            @Override
            public void add(UpdateRequest... updateRequests) {
                requests.addAll(List.of(updateRequests));
            }
        });
    }

    @Test
    void aRowWithADocumentIsIndexedWholeUnderItsIdWithoutItsFlag() {
        emit(row(RowKind.UPDATE_AFTER, 7, DAY_2026_11_20, true));
        IndexRequest request = assertInstanceOf(IndexRequest.class, requests.get(0));
        assertEquals("sales-2026-11-20", request.index());
        assertEquals("7", request.id());
        assertEquals("{\"name\":\"n7\",\"fields\":3}", request.source().utf8ToString());
        assertEquals(List.of(), created, "indexing creates its index itself");
    }

    @Test
    void aRowWithoutADocumentDeletesItsIdAfterMakingSureItsIndexExists() {
        emit(row(RowKind.INSERT, 7, DAY_2026_11_20, false));
        emit(row(RowKind.UPDATE_AFTER, 8, DAY_2026_11_20, null));
        emit(row(RowKind.DELETE, 9, DAY_2026_11_20, true));
        assertEquals(List.of("sales-2026-11-20"), created, "once per index");
        assertEquals(List.of("7", "8", "9"), requests.stream().map(DocWriteRequest::id).toList());
        for (DocWriteRequest<?> request : requests) {
            assertEquals("sales-2026-11-20", assertInstanceOf(DeleteRequest.class, request).index());
        }
    }

    @Test
    void anIndexThatExistsAlreadyIsTakenAsIs() {
        existing.add("sales-2026-11-21");
        emit(row(RowKind.INSERT, 7, DAY_2026_11_20 + 1, false));
        assertEquals(List.of("sales-2026-11-21"), created);
        assertInstanceOf(DeleteRequest.class, requests.get(0));
    }

    @Test
    void anIndexTheSinkHasWrittenToIsNotCreatedAgain() {
        emit(row(RowKind.INSERT, 7, DAY_2026_11_20, true));
        emit(row(RowKind.INSERT, 7, DAY_2026_11_20, false));
        assertEquals(List.of(), created);
        assertEquals(2, requests.size());
    }

    @Test
    void aRowWithoutADateHasNoDocumentToDeleteAndCannotHaveOne() {
        emit(row(RowKind.INSERT, 7, null, false));
        assertEquals(List.of(), requests);
        assertThrows(IllegalArgumentException.class, () -> emit(row(RowKind.INSERT, 7, null, true)));
    }

    @Test
    void anIndexThatCannotBeCreatedFailsTheRow() throws IOException {
        elasticsearch.stop(0);
        assertThrows(IllegalStateException.class, () -> emit(row(RowKind.INSERT, 7, DAY_2026_11_20, false)));
    }
}
