package models

func ReadPrisma(path string) (*Set, error) { return &Set{Source: "prisma", From: path}, nil }
