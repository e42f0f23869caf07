package dev.vigil.rego;

/** One Rego file: its name as errors should show it, and its text. */
public record Source(String name, String text) {}
