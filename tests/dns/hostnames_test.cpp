// Host names in configuration values: the forms applications really use.
#include "dns/hostnames.h"

#include <gtest/gtest.h>

using namespace nd::dns;

namespace {

std::vector<std::string> hosts(std::string_view key, std::string_view value) {
  std::vector<std::string> out;
  for (const auto& h : extract_hosts(key, value)) out.push_back(h.host + (h.port ? ":" + std::to_string(h.port) : ""));
  return out;
}

}  // namespace

TEST(Hostnames, BareHostOnlyUnderAHostKey) {
  EXPECT_EQ(hosts("REDIS_HOST", "redis"), std::vector<std::string>{"redis"});
  EXPECT_EQ(hosts("database__connection__host", "blog-db"), std::vector<std::string>{"blog-db"});
  EXPECT_EQ(hosts("spring.redis.host", "redis.cache"), std::vector<std::string>{"redis.cache"});
  EXPECT_EQ(hosts("kafkaBootstrapServers", "kafka"), std::vector<std::string>{"kafka"});
  EXPECT_EQ(hosts("PGHOST", "postgres.db"), std::vector<std::string>{"postgres.db"});  // libpq's variable
  EXPECT_TRUE(hosts("GHOST_MODE", "blog").empty());
  EXPECT_TRUE(hosts("LOG_LEVEL", "info").empty());
  EXPECT_TRUE(hosts("OTEL_SERVICE_NAME", "checkout").empty());
  EXPECT_TRUE(hosts("SERVER_NAME", "web").empty());       // a name, not where to connect
  EXPECT_TRUE(hosts("REDIS_HOST", "10.96.4.4").empty());  // addresses are not names
}

TEST(Hostnames, HostPortAndLists) {
  EXPECT_EQ(hosts("REDIS_ADDR", "redis:6379"), std::vector<std::string>{"redis:6379"});
  EXPECT_EQ(hosts("KAFKA_BROKERS", "kafka-0.kafka-headless:9092,kafka-1.kafka-headless:9092"),
            (std::vector<std::string>{"kafka-0.kafka-headless:9092", "kafka-1.kafka-headless:9092"}));
  EXPECT_TRUE(hosts("START_TIME", "12:30").empty());
  EXPECT_TRUE(hosts("IMAGE", "redis:7").empty());
  EXPECT_TRUE(hosts("X", "nginx:1.25").empty());
}

TEST(Hostnames, Urls) {
  EXPECT_EQ(hosts("API_URL", "http://orders.shop.svc:8080/v1"), std::vector<std::string>{"orders.shop.svc:8080"});
  EXPECT_EQ(hosts("REDIS_URL", "redis://:s3cret@redis:6379/0"), std::vector<std::string>{"redis:6379"});
  EXPECT_EQ(hosts("AMQP_URL", "amqp://app:pw@rabbitmq:5672/%2f"), std::vector<std::string>{"rabbitmq:5672"});
  EXPECT_EQ(hosts("MONGO_URI", "mongodb://app:pw@mongo-0.mongo:27017,mongo-1.mongo:27017/orders?replicaSet=rs0"),
            (std::vector<std::string>{"mongo-0.mongo:27017", "mongo-1.mongo:27017"}));
  EXPECT_EQ(hosts("DATABASE_URL", "postgres://app@postgres/orders?sslmode=disable"),
            std::vector<std::string>{"postgres"});
  EXPECT_TRUE(hosts("CALLBACK", "https://10.1.2.3:8443/cb").empty());
}

TEST(Hostnames, JdbcUrls) {
  EXPECT_EQ(hosts("spring.datasource.url", "jdbc:mysql://mysql:3306/orders?useSSL=false"),
            std::vector<std::string>{"mysql:3306"});
  auto h = extract_hosts("url", "jdbc:mysql://mysql:3306/orders");
  ASSERT_EQ(h.size(), 1u);
  EXPECT_EQ(h[0].how, "JDBC URL");
  EXPECT_EQ(h[0].text, "jdbc:mysql://mysql:3306/orders");
  EXPECT_EQ(hosts("x", "jdbc:postgresql://pg-primary/orders"), std::vector<std::string>{"pg-primary"});
  EXPECT_EQ(hosts("x", "jdbc:sqlserver://mssql:1433;databaseName=orders;encrypt=false"),
            std::vector<std::string>{"mssql:1433"});
  EXPECT_EQ(hosts("x", "jdbc:mysql:loadbalance://db-a:3306,db-b:3306/orders"),
            (std::vector<std::string>{"db-a:3306", "db-b:3306"}));
  EXPECT_EQ(hosts("x", "jdbc:oracle:thin:@oracle:1521:ORCL"), std::vector<std::string>{"oracle:1521"});
  EXPECT_EQ(hosts("x", "jdbc:oracle:thin:@//oracle-db:1521/ORCLPDB1"), std::vector<std::string>{"oracle-db:1521"});
  EXPECT_EQ(hosts("x",
                  "jdbc:oracle:thin:@(DESCRIPTION=(ADDRESS=(PROTOCOL=TCP)(HOST=ora-scan)(PORT=1521))"
                  "(CONNECT_DATA=(SERVICE_NAME=orcl)))"),
            std::vector<std::string>{"ora-scan:1521"});
}

TEST(Hostnames, LibpqKeyValueDsn) {
  EXPECT_EQ(hosts("PG_DSN", "host=postgres port=5432 dbname=orders user=app"), std::vector<std::string>{"postgres"});
}

TEST(Hostnames, DnsNameRules) {
  EXPECT_TRUE(is_dns_name("redis"));
  EXPECT_TRUE(is_dns_name("redis.cache.svc.cluster.local."));
  EXPECT_TRUE(is_dns_name("kafka-0.kafka-headless"));
  EXPECT_FALSE(is_dns_name("10.0.0.1"));
  EXPECT_FALSE(is_dns_name("-bad"));
  EXPECT_FALSE(is_dns_name("bad-.x"));
  EXPECT_FALSE(is_dns_name("a..b"));
  EXPECT_FALSE(is_dns_name("under_score"));
  EXPECT_FALSE(is_dns_name(std::string(64, 'a')));
}

TEST(Hostnames, ConfigFileLines) {
  auto kv = config_lines(
      "# orders service\nspring.datasource.url=jdbc:mysql://mysql:3306/orders\nredis:\n  host: redis\n"
      "server cache:6379;\n  - \"amqp://rabbitmq:5672\"\n");
  ASSERT_EQ(kv.size(), 4u);
  EXPECT_EQ(kv[0].key, "spring.datasource.url");
  EXPECT_EQ(kv[0].line, 2u);
  EXPECT_EQ(kv[1].key, "host");
  EXPECT_EQ(kv[1].value, "redis");
  EXPECT_EQ(kv[2].key, "server");
  EXPECT_EQ(kv[2].value, "cache:6379");
  EXPECT_EQ(kv[3].key, "");
  EXPECT_EQ(kv[3].value, "amqp://rabbitmq:5672");
}
