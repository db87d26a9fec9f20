"""The CAS personality: the ENQ/ACK/DC1 weighing protocol (and DC2 of price-computing scales) on a weighing
platform, without a fiscal drive."""
