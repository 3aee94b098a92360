// Model versions written back by `kgrec write-back`: one (:KgrecModel) node per version.
CREATE CONSTRAINT kgrec_model_version IF NOT EXISTS FOR (m:KgrecModel) REQUIRE m.version IS UNIQUE;
CREATE INDEX kgrec_model_dataset IF NOT EXISTS FOR (m:KgrecModel) ON (m.dataset, m.active);
