// One (:KgrecDataset) record per loaded dataset name.
CREATE CONSTRAINT kgrec_dataset_name IF NOT EXISTS FOR (d:KgrecDataset) REQUIRE d.name IS UNIQUE;
