"""The CAS LP personality: an LP 1.6 label scale — weighing platform and goods (PLU) memory kept in a device
store — without a fiscal drive."""
